using Sift.Core.Random;

namespace Sift.Synth.Problems;

/// <summary>
/// The people problems are about. Training and evaluation draw from disjoint pools, so no evaluation
/// problem's text can appear in the training data: every evaluation problem names an evaluation-only person.
/// </summary>
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

    private static readonly string[] EvalFemale =
    [
        "Beatrix", "Cordelia", "Delphine", "Esmeralda", "Florentina", "Genevieve", "Henrietta", "Imogen",
        "Josephine", "Katarina", "Lorelei", "Marisol", "Ophelia", "Philippa", "Rosalind",
    ];

    private static readonly string[] EvalMale =
    [
        "Alistair", "Bartholomew", "Cornelius", "Desmond", "Evander", "Fitzgerald", "Gideon", "Horatio",
        "Ignatius", "Jebediah", "Leopold", "Montgomery", "Nathaniel", "Percival", "Reginald",
    ];

    private readonly Person[] _people;

    private NamePool(string[] female, string[] male)
    {
        _people = [.. female.Select(n => new Person(n, "she", "her", "her")), .. male.Select(n => new Person(n, "he", "him", "his"))];
    }

    /// <summary>Names used in training data (clean and web).</summary>
    public static NamePool Train { get; } = new(TrainFemale, TrainMale);

    /// <summary>Names used only in the held-out evaluation problems.</summary>
    public static NamePool Eval { get; } = new(EvalFemale, EvalMale);

    /// <summary>Every name in the pool.</summary>
    public IEnumerable<string> Names => _people.Select(p => p.Name);

    public Person Draw(Rng rng) => _people[rng.NextInt(_people.Length)];
}
