using Sift.Core.Random;

namespace Sift.Synth;

/// <summary>
/// Expository math prose with correct worked examples ("To find 20% of 50, ... 50 * 20 / 100 = 10."):
/// clean-quality text of another register than the word problems. Every equation is written
/// "a op b = c" like the solutions, so the same checker verifies it.
/// </summary>
internal static class MathProse
{
    private static readonly Func<Rng, (string Title, string Text)>[] Passages =
    [
        r =>
        {
            long a = R(r, 2, 60), b = R(r, 2, 60);
            return ("Adding numbers", $"Addition combines two amounts into one. When we add {a} and {b}, we get {a} + {b} = {a + b}. The order does not matter, because {b} + {a} = {a + b} as well.");
        },
        r =>
        {
            long b = R(r, 2, 50), c = R(r, 2, 50);
            return ("Checking a subtraction", $"Subtraction undoes addition. We know that {b + c} - {b} = {c} is right, because {c} + {b} = {b + c}.");
        },
        r =>
        {
            long a = R(r, 2, 9), b = R(r, 2, 12);
            return ("What multiplication means", $"Multiplication is repeated addition. For example, {a} * {b} means adding {b} to itself {a} times, so {a} * {b} = {a * b}.");
        },
        r =>
        {
            long k = R(r, 2, 9), q = R(r, 2, 15);
            return ("Sharing equally", $"Division splits an amount into equal groups. If {k * q} objects are split into {k} equal groups, each group has {k * q} / {k} = {q} objects.");
        },
        r =>
        {
            long[] ps = [10, 20, 25, 50];
            long p = ps[r.NextInt(ps.Length)], n = 100 / Gcd(p, 100) * R(r, 1, 30);
            return ("Percentages", $"The word percent means per hundred. To find {p}% of {n}, multiply {n} by {p} and divide by 100: {n} * {p} / 100 = {n * p / 100}.");
        },
        r =>
        {
            long b = R(r, 2, 8), a = R(r, 1, b - 1), n = b * R(r, 2, 12);
            return ("A fraction of a number", $"To find a fraction of a number, multiply by the top number and divide by the bottom number. For example, {a}/{b} of {n} is {n} * {a} / {b} = {n * a / b}.");
        },
        r =>
        {
            long a = R(r, 2, 30), b = R(r, 2, 30);
            return ("Area of a rectangle", $"The area of a rectangle is its length times its width. A rectangle that is {a} cm long and {b} cm wide has an area of {a} * {b} = {a * b} square cm.");
        },
        r =>
        {
            long a = R(r, 2, 40), b = R(r, 2, 40);
            return ("Perimeter", $"The perimeter of a rectangle is the distance around it. For a rectangle {a} m long and {b} m wide, add the length and the width, {a} + {b} = {a + b}, and double the result: 2 * {a + b} = {2 * (a + b)} m.");
        },
        r =>
        {
            long a, b, c;
            do
            {
                (a, b, c) = (R(r, 2, 90), R(r, 2, 90), R(r, 2, 90));
            }
            while ((a + b + c) % 3 != 0);
            return ("The mean", $"The mean of a list of numbers is their sum divided by how many numbers there are. For {a}, {b} and {c}, the sum is {a} + {b} + {c} = {a + b + c}, so the mean is {a + b + c} / 3 = {(a + b + c) / 3}.");
        },
        r =>
        {
            long h = R(r, 2, 8), v = R(r, 5, 90);
            return ("Speed", $"Speed tells us how far something moves in a unit of time. A train that travels {h * v} km in {h} hours moves at {h * v} / {h} = {v} km per hour.");
        },
        r =>
        {
            long h = R(r, 2, 12), d = R(r, 2, 50);
            return ("Units", r.NextInt(2) == 0
                ? $"There are 60 minutes in an hour, so {h} hours is {h} * 60 = {h * 60} minutes."
                : $"There are 100 cents in a dollar, so {d} dollars is {d} * 100 = {d * 100} cents.");
        },
        r =>
        {
            long a = R(r, 1, 6), b = R(r, 2, 9), k = R(r, 2, 12);
            return ("Ratios", $"A ratio compares two amounts. If the ratio of cats to dogs is {a}:{b} and there are {k * a} cats, then each part is {k * a} / {a} = {k}, and there are {k} * {b} = {k * b} dogs.");
        },
        r =>
        {
            long k = R(r, 2, 99);
            return ("Even numbers", $"A number is even when it can be split into two equal halves. {2 * k} is even because {2 * k} / 2 = {k}.");
        },
        r =>
        {
            long d = R(r, 1, 9), u = R(r, 0, 9), h = R(r, 1, 9);
            long n = h * 100 + d * 10 + u;
            return ("Place value", $"In the number {n}, the digit {d} is in the tens place, so it stands for {d} * 10 = {d * 10}, and the digit {h} stands for {h} * 100 = {h * 100}.");
        },
        r =>
        {
            long a = R(r, 2, 20), b = R(r, 2, 20), c = R(r, 2, 20);
            return ("Adding in steps", $"To add several numbers, add them one at a time. First {a} + {b} = {a + b}, then {a + b} + {c} = {a + b + c}.");
        },
    ];

    /// <summary>Number of distinct passage kinds.</summary>
    public static int Kinds => Passages.Length;

    /// <summary>One passage with a heading line.</summary>
    public static (string Title, string Text) Passage(Rng rng) => Passages[rng.NextInt(Passages.Length)](rng);

    private static long R(Rng r, long lo, long hi) => lo + (long)(r.NextUInt64() % (ulong)(hi - lo + 1));

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}
