using Sift.Core.Random;
using Sift.Synth.Problems;

namespace Sift.Synth.Web;

/// <summary>
/// Generates crawl-like math pages: a header, a body of segments and a footer, each character labelled.
/// A controller keeps the running character shares on target: per page it aims at the page's own noise
/// share, corrected by how far the whole corpus has drifted, and it picks the noise kind (and clean
/// problems versus math prose) whose share lags its weight the most, with randomness.
/// </summary>
internal sealed class WebDocumentGenerator
{
    private const int NoiseKinds = 5;
    private readonly Rng _rng;
    private readonly WebMixture _mix;
    private readonly ProblemGenerator _problems;
    private readonly Func<Rng, Tier> _tier;
    private readonly long[] _kindChars = new long[NoiseKinds];
    private long _noiseChars, _problemChars, _proseChars;

    public WebDocumentGenerator(Rng rng, WebMixture mix, ProblemGenerator problems, Func<Rng, Tier> tier)
    {
        mix.Validate();
        _rng = rng;
        _mix = mix;
        _problems = problems;
        _tier = tier;
    }

    /// <summary>Characters generated so far.</summary>
    public long TotalChars => _noiseChars + _problemChars + _proseChars;

    /// <summary>Correct problems written into pages so far.</summary>
    public long Problems { get; private set; }

    /// <summary>Problems with a wrong step written so far.</summary>
    public long WrongProblems { get; private set; }

    /// <summary>The next page.</summary>
    public LabeledText Next()
    {
        var doc = new LabeledText();
        double s = _mix.NoiseShare;
        double pageTarget = s <= 0 || s >= 1 ? s : Math.Clamp(s + (2 * _rng.NextDouble() - 1) * _mix.PageJitter, 0, 1);
        long docNoise = 0, docTotal = 0;

        void Add(string text, Provenance label, int kind)
        {
            doc.Append(text, label);
            Count(text.Length, kind, ref docNoise, ref docTotal);
        }

        bool WantNoise()
        {
            if (s <= 0)
            {
                return false;
            }
            if (s >= 1)
            {
                return true;
            }
            double global = TotalChars == 0 ? s : (double)_noiseChars / TotalChars;
            double target = Math.Clamp(pageTarget + 2 * (s - global), 0, 1);
            return docTotal == 0 ? _rng.NextDouble() < target : (double)docNoise / docTotal < target;
        }

        // Page chrome is noise like any other, so the controller decides whether a page gets a header and a footer.
        if (WantNoise())
        {
            Add(NoiseText.Header(_rng), Provenance.Boilerplate, 0);
        }
        int segments = 3 + _rng.NextInt(6);
        for (int i = 0; i < segments; i++)
        {
            if (doc.Length > 0)
            {
                // The blank line between segments belongs to the segment before it.
                var last = doc.Spans[^1].Label;
                Add("\n", last, KindOf(last));
            }
            if (WantNoise())
            {
                AddNoise(doc, ref docNoise, ref docTotal);
            }
            else
            {
                AddClean(doc, ref docNoise, ref docTotal);
            }
        }
        if (WantNoise())
        {
            var last = doc.Spans[^1].Label;
            Add("\n", last, KindOf(last));
            Add(NoiseText.Boilerplate(_rng), Provenance.Boilerplate, 0);
        }
        return doc;
    }

    private void AddNoise(LabeledText doc, ref long docNoise, ref long docTotal)
    {
        int kind = PickKind();
        if (kind == 4)
        {
            var p = _problems.NextWrong(_tier(_rng));
            WrongProblems++;
            var before = doc.Length;
            doc.Append(p.Text).Append("\n", Provenance.WrongContext);
            Count(doc.Length - before, 4, ref docNoise, ref docTotal);
            return;
        }
        string text = kind switch
        {
            0 => NoiseText.Boilerplate(_rng),
            1 => NoiseText.Ids(_rng),
            2 => NoiseText.Table(_rng),
            _ => NoiseText.Prose(_rng),
        };
        var label = kind switch { 0 => Provenance.Boilerplate, 1 => Provenance.Ids, 2 => Provenance.Table, _ => Provenance.Prose };
        doc.Append(text, label);
        Count(text.Length, kind, ref docNoise, ref docTotal);
    }

    private void AddClean(LabeledText doc, ref long docNoise, ref long docTotal)
    {
        long clean = _problemChars + _proseChars;
        // Prose with a probability nudged by how far its share lags the target (a passage is ~200 characters).
        double lag = _mix.MathProseShare * clean - _proseChars;
        bool prose = _rng.NextDouble() < Math.Clamp(_mix.MathProseShare + lag / 400, 0, 1);
        if (prose)
        {
            var (title, body) = MathProse.Passage(_rng);
            string text = title + "\n" + body + "\n";
            doc.Append(text, Provenance.MathProse);
            Count(text.Length, -2, ref docNoise, ref docTotal);
            return;
        }
        var p = _problems.Next(_tier(_rng));
        Problems++;
        int before = doc.Length;
        doc.Append(p.Text).Append("\n", Provenance.Clean);
        Count(doc.Length - before, -1, ref docNoise, ref docTotal);
    }

    /// <summary>A noise kind, drawn with probability proportional to how far its share lags its weight.</summary>
    private int PickKind()
    {
        double[] w = _mix.Weights;
        double sum = w.Sum();
        Span<double> lag = stackalloc double[NoiseKinds];
        double total = 0;
        for (int k = 0; k < NoiseKinds; k++)
        {
            lag[k] = w[k] <= 0 ? 0 : Math.Max(1e-3, w[k] / sum * (_noiseChars + 2000) - _kindChars[k]);
            total += lag[k];
        }
        double u = _rng.NextDouble() * total;
        for (int k = 0; k < NoiseKinds; k++)
        {
            u -= lag[k];
            if (u < 0 && lag[k] > 0)
            {
                return k;
            }
        }
        for (int k = NoiseKinds - 1; k >= 0; k--)
        {
            if (lag[k] > 0)
            {
                return k;
            }
        }
        return 0;
    }

    /// <summary>Noise kind index of a label (0–4), −1 for problems, −2 for math prose.</summary>
    private static int KindOf(Provenance p) => p switch
    {
        Provenance.Boilerplate => 0,
        Provenance.Ids => 1,
        Provenance.Table => 2,
        Provenance.Prose => 3,
        Provenance.WrongContext or Provenance.WrongNumber => 4,
        Provenance.MathProse => -2,
        _ => -1,
    };

    private void Count(int chars, int kind, ref long docNoise, ref long docTotal)
    {
        docTotal += chars;
        if (kind >= 0)
        {
            _kindChars[kind] += chars;
            _noiseChars += chars;
            docNoise += chars;
        }
        else if (kind == -1)
        {
            _problemChars += chars;
        }
        else
        {
            _proseChars += chars;
        }
    }
}
