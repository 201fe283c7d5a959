using Sift.Core.Random;

namespace Sift.Synth.Problems;

/// <summary>The people problems are about, with pronouns.</summary>
internal sealed class NamePool
{
    private static readonly string[] TrainFemale =
    [
        "Natalia", "Emma", "Olivia", "Ava", "Sophia", "Mia", "Amelia", "Harper", "Ella", "Grace", "Chloe", "Lily",
        "Zoe", "Nora", "Hannah", "Leah", "Sara", "Julia", "Anna", "Ruby", "Maya", "Alice", "Clara", "Lucy",
        "Ivy", "Eva", "Rosa", "Nina", "Tara", "Wendy", "Paula", "Fiona", "Gina", "Helen", "Irene", "Janet",
        "Karen", "Linda", "Megan", "Rachel",
    ];

    private static readonly string[] TrainMale =
    [
        "James", "Liam", "Noah", "Oliver", "Elijah", "Lucas", "Mason", "Logan", "Ethan", "Jacob", "Jack", "Ryan",
        "Owen", "Leo", "Sam", "Tom", "Ben", "Max", "Alex", "Dan", "Carlos", "Diego", "Omar", "Ravi",
        "Kevin", "Brian", "Eric", "Frank", "George", "Henry", "Ian", "John", "Kyle", "Mark", "Paul", "Peter",
        "Simon", "Victor", "Walter", "Adam",
    ];

    private readonly Person[] _people;

    private NamePool(string[] female, string[] male)
    {
        _people = [.. female.Select(n => new Person(n, "she", "her", "her")), .. male.Select(n => new Person(n, "he", "him", "his"))];
    }

    /// <summary>The names of every problem (training and evaluation).</summary>
    public static NamePool Train { get; } = new(TrainFemale, TrainMale);

    /// <summary>Every name in the pool.</summary>
    public IEnumerable<string> Names => _people.Select(p => p.Name);

    public Person Draw(Rng rng) => _people[rng.NextInt(_people.Length)];
}
