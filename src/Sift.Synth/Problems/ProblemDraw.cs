using Sift.Core.Random;

namespace Sift.Synth.Problems;

/// <summary>A person in a problem, with pronouns.</summary>
internal sealed record Person(string Name, string He, string Him, string His)
{
    /// <summary>"He"/"She".</summary>
    public string HeCap => char.ToUpperInvariant(He[0]) + He[1..];

    /// <summary>"His"/"Her".</summary>
    public string HisCap => char.ToUpperInvariant(His[0]) + His[1..];
}

/// <summary>
/// What a template writes a problem with: seeded draws, the question, and the worked solution with exact steps. In a corrupted draw, step <c>corruptStep</c>
/// prints a wrong result and every later value derived from it is wrong too (and labelled so).
/// </summary>
internal sealed class ProblemDraw
{
    private readonly Rng _rng;
    private readonly Rng? _corruptRng;
    private readonly int _corruptStep;
    private readonly NamePool _names;
    private readonly List<Person> _people = [];
    private readonly Provenance _textLabel;

    public ProblemDraw(Rng rng, Tier tier, NamePool names, int corruptStep = -1, Rng? corruptRng = null)
    {
        _rng = rng;
        Tier = tier;
        _names = names;
        _corruptStep = corruptStep;
        _corruptRng = corruptRng;
        _textLabel = corruptStep >= 0 ? Provenance.WrongContext : Provenance.Clean;
    }

    public Tier Tier { get; }

    public LabeledText Question { get; } = new();

    public LabeledText Solution { get; } = new();

    /// <summary>Steps (equations) written so far.</summary>
    public int Steps { get; private set; }

    /// <summary>True once the corrupted step has been written.</summary>
    public bool Corrupted { get; private set; }

    public bool IsEasy => Tier == Tier.Easy;

    public bool IsHard => Tier == Tier.Hard;

    /// <summary>A uniform integer in [lo, hi].</summary>
    public long Int(long lo, long hi)
    {
        if (hi < lo)
        {
            throw new InvalidOperationException($"empty range [{lo}, {hi}]");
        }
        long v = lo + (long)(_rng.NextUInt64() % (ulong)(hi - lo + 1));
        return v;
    }

    /// <summary>One of the given numbers.</summary>
    public long OneOf(params long[] values)
    {
        long v = values[_rng.NextInt(values.Length)];
        return v;
    }

    /// <summary>Picks a word or phrase.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[_rng.NextInt(items.Count)];

    /// <summary>A person not yet used in this problem.</summary>
    public Person Person()
    {
        for (int i = 0; i < 1000; i++)
        {
            var p = _names.Draw(_rng);
            if (!_people.Any(q => q.Name == p.Name))
            {
                _people.Add(p);
                return p;
            }
        }
        throw new InvalidOperationException("name pool too small");
    }

    /// <summary>Rejects the draw unless <paramref name="condition"/> holds.</summary>
    public static void Require(bool condition)
    {
        if (!condition)
        {
            throw RejectDraw.Instance;
        }
    }

    /// <summary>A count given in the question.</summary>
    public static Quantity N(long v) => new(v, false);

    /// <summary>An amount of money in cents given in the question.</summary>
    public static Quantity Cents(long cents) => new(cents, true);

    /// <summary>Money as written in a question: "$12" or "$7.50".</summary>
    public static string M(long cents) => new Quantity(cents, true).Text;

    /// <summary>Appends question text.</summary>
    public ProblemDraw Ask(string text)
    {
        Question.Append(text, _textLabel);
        return this;
    }

    /// <summary>Appends solution text.</summary>
    public ProblemDraw Say(string text)
    {
        Solution.Append(text, _textLabel);
        return this;
    }

    /// <summary>Prints a quantity in the solution ("$7.50"), labelled wrong when it is.</summary>
    public ProblemDraw Num(Quantity q)
    {
        Solution.Append(q.Text, q.Wrong ? Provenance.WrongNumber : _textLabel);
        return this;
    }

    /// <summary>Writes "a op b = c" and returns c.</summary>
    public Quantity Eq(Quantity a, char op, Quantity b) => Chain([a, b], [op]);

    /// <summary>Writes "a op1 b op2 c = d" (both operators additive, or both multiplicative) and returns d.</summary>
    public Quantity Eq(Quantity a, char op1, Quantity b, char op2, Quantity c) => Chain([a, b, c], [op1, op2]);

    /// <summary>Writes "a + b + c + d = e".</summary>
    public Quantity Sum(params Quantity[] terms) => Chain(terms, Enumerable.Repeat('+', terms.Length - 1).ToArray());

    private Quantity Chain(Quantity[] terms, char[] ops)
    {
        bool additive = ops[0] is '+' or '-';
        if (ops.Any(o => (o is '+' or '-') != additive))
        {
            throw new InvalidOperationException("a chain mixes additive and multiplicative operators; split it into steps");
        }
        var r = terms[0];
        Num(terms[0]);
        for (int i = 0; i < ops.Length; i++)
        {
            Say($" {ops[i]} ");
            Num(terms[i + 1]);
            r = Quantity.Apply(r, ops[i], terms[i + 1]);
        }
        if (Steps == _corruptStep)
        {
            r = Perturb(r);
            Corrupted = true;
        }
        Steps++;
        Say(" = ");
        Num(r);
        return r;
    }

    private Quantity Perturb(Quantity q)
    {
        var rng = _corruptRng ?? throw new InvalidOperationException("corruption needs its own generator");
        long unit = q.Money ? (rng.NextInt(2) == 0 ? 100 : 50) : 1;
        long[] deltas = q.Raw >= 50 ? [1, 2, 3, 5, 10, 20] : [1, 2, 3, 4];
        long d = deltas[rng.NextInt(deltas.Length)] * unit;
        long v = rng.NextInt(2) == 0 || q.Raw - d <= 0 ? q.Raw + d : q.Raw - d;
        return new Quantity(v, q.Money, Wrong: true);
    }
}
