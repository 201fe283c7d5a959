using Sift.Core;
using Sift.Synth.Problems;
using Sift.Synth.Web;

namespace Sift.Synth.Tests;

public sealed class CorpusTests
{
    private static SynthOptions Small(ulong seed = 1, WebMixture? web = null) => new()
    {
        Seed = seed,
        CleanDocuments = 1500,
        WebChars = 400_000,
        EvalPerTier = 40,
        Web = web ?? new WebMixture(),
    };

    [Fact]
    public void SameSeed_GivesTheSameCorpus_OtherSeed_Differs()
    {
        static string Dump(SynthOptions o)
        {
            var c = new SynthCorpus(o);
            return string.Join("\n", c.Eval.Select(p => p.Question + p.Solution))
                + string.Join("\n", c.CleanDocuments().Select(d => d.Text))
                + string.Join("\n", c.WebDocuments().Select(d => d + string.Join(",", d.Spans)));
        }
        string a = Dump(Small(9)), b = Dump(Small(9));
        Assert.Equal(a, b);
        Assert.NotEqual(a, Dump(Small(10)));
        // Enumerating twice gives the same documents.
        var c = new SynthCorpus(Small(9));
        Assert.Equal(c.CleanDocuments().Select(d => d.Text), c.CleanDocuments().Select(d => d.Text));
    }

    [Fact]
    public void Eval_IsDisjointFromTraining_ByKeysAndByNgrams()
    {
        var c = new SynthCorpus(Small());
        Assert.Equal(120, c.Eval.Count);
        foreach (var tier in TierNames.All)
        {
            Assert.Equal(40, c.Eval.Count(p => p.Tier == tier));
        }
        Assert.Equal(c.Eval.Count, c.Eval.Select(p => p.Key).Distinct().Count());
        var evalQuestions = c.Eval.Select(p => p.Question).ToHashSet(StringComparer.Ordinal);
        var checker = new OverlapChecker(c.Eval.Select(p => p.Question + "\n" + p.Solution).ToList());
        var templates = TemplateCatalog.All.ToDictionary(t => t.Id);
        int problems = 0;
        foreach (var d in c.CleanDocuments())
        {
            checker.Scan(d.Text);
            if (d.Kind == "problem")
            {
                string q = d.Text[..d.Text.IndexOf('\n', StringComparison.Ordinal)];
                Assert.DoesNotContain(ProblemGenerator.KeyOf(templates[d.Template], d.Tier!.Value, q), c.EvalKeys);
                Assert.DoesNotContain(q, evalQuestions);
                problems++;
            }
        }
        Assert.True(problems > 1000);
        foreach (var d in c.WebDocuments())
        {
            string text = d.ToString();
            Assert.DoesNotContain(evalQuestions, q => text.Contains(q, StringComparison.Ordinal));
            checker.Scan(text);
        }
        var r = checker.Report();
        Assert.True(r.MaxShare <= c.Options.MaxOverlap, $"max 13-gram overlap {r.MaxShare}");
        Assert.True(r.MeanShare < 0.3, $"mean 13-gram overlap {r.MeanShare}");

        // A copied eval problem is caught.
        var leaky = new OverlapChecker(c.Eval.Select(p => p.Question + "\n" + p.Solution).ToList());
        leaky.Scan("Some page.\n" + c.Eval[17].Question + "\n" + c.Eval[17].Solution + "\nFooter");
        Assert.Equal(1.0, leaky.Report().MaxShare);
        Assert.Equal(17, leaky.Report().WorstItem);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.7)]
    public void WebMixture_HitsTheNoiseShare_AndTheKindWeights(double noise)
    {
        var mix = new WebMixture { NoiseShare = noise, Boilerplate = 0.4, Ids = 0.1, Tables = 0.2, Prose = 0.2, WrongArithmetic = 0.1, MathProseShare = 0.2 };
        var c = new SynthCorpus(Small(web: mix) with { WebChars = 600_000 });
        var chars = new Dictionary<Provenance, long>();
        long total = 0;
        int pages = 0;
        foreach (var d in c.WebDocuments())
        {
            pages++;
            total += d.Length;
            int at = 0;
            foreach (var s in d.Spans)
            {
                Assert.Equal(at, s.Start);
                at = s.End;
                chars[s.Label] = chars.GetValueOrDefault(s.Label) + s.End - s.Start;
            }
            Assert.Equal(d.Length, at);
        }
        Assert.True(pages > 100);
        double Share(params Provenance[] ps) => ps.Sum(p => (double)chars.GetValueOrDefault(p)) / total;
        double noiseShare = 1 - Share(Provenance.Clean, Provenance.MathProse);
        Assert.InRange(noiseShare, noise - 0.02, noise + 0.02);
        Assert.InRange(Share(Provenance.Boilerplate) / noiseShare, 0.37, 0.43);
        Assert.InRange(Share(Provenance.Ids) / noiseShare, 0.08, 0.12);
        Assert.InRange(Share(Provenance.Table) / noiseShare, 0.17, 0.23);
        Assert.InRange(Share(Provenance.Prose) / noiseShare, 0.17, 0.23);
        Assert.InRange(Share(Provenance.WrongContext, Provenance.WrongNumber) / noiseShare, 0.08, 0.12);
        Assert.InRange(Share(Provenance.MathProse) / (1 - noiseShare), 0.17, 0.23);
        Assert.True(chars.GetValueOrDefault(Provenance.WrongNumber) > 0);
    }

    [Fact]
    public void WebMixture_Extremes_AndZeroWeights()
    {
        static Dictionary<Provenance, long> Chars(WebMixture m)
        {
            var d = new Dictionary<Provenance, long>();
            foreach (var doc in new SynthCorpus(new SynthOptions { CleanDocuments = 10, WebChars = 100_000, EvalPerTier = 5, Web = m }).WebDocuments())
            {
                foreach (var (k, v) in doc.CharsByLabel())
                {
                    d[k] = d.GetValueOrDefault(k) + v;
                }
            }
            return d;
        }
        var clean = Chars(new WebMixture { NoiseShare = 0 });
        Assert.Equal([Provenance.Clean, Provenance.MathProse], clean.Keys.Order());
        var noisy = Chars(new WebMixture { NoiseShare = 1, Ids = 0 });
        Assert.DoesNotContain(Provenance.Clean, noisy.Keys);
        Assert.DoesNotContain(Provenance.Ids, noisy.Keys);
        Assert.Contains(Provenance.Table, noisy.Keys);
    }

    [Fact]
    public void AllTextIsAscii_AndCleanDocumentsAreCorrect()
    {
        var c = new SynthCorpus(Small());
        foreach (var d in c.CleanDocuments())
        {
            Assert.All(d.Text, ch => Assert.True(ch < 128));
            Assert.All(Equations.All(d.Text), e => Assert.True(e.Stated == e.Actual, $"{d.Text}\n{e.Text}"));
        }
        for (int i = 0; i < 2000; i++)
        {
            var (title, text) = MathProse.Passage(new Sift.Core.Random.Rng((ulong)i));
            Assert.False(string.IsNullOrWhiteSpace(title));
            var eqs = Equations.All(text);
            Assert.NotEmpty(eqs);
            Assert.All(eqs, e => Assert.True(e.Stated == e.Actual, $"{text}\n{e.Text}"));
        }
        foreach (var d in c.WebDocuments().Take(200))
        {
            Assert.All(d.ToString(), ch => Assert.True(ch < 128));
        }
        Assert.Throws<InvalidOperationException>(() => new LabeledText().Append("caf\u00e9", Provenance.Prose));
    }

    [Fact]
    public void BadOptions_AreClearErrors()
    {
        void Bad(SynthOptions o, string field) => Assert.Contains(field, Assert.Throws<SiftException>(() => new SynthCorpus(o)).Message);
        Bad(new SynthOptions { CleanDocuments = 0 }, "clean_documents");
        Bad(new SynthOptions { EvalPerTier = 0 }, "eval_per_tier");
        Bad(new SynthOptions { WebChars = -1 }, "web_chars");
        Bad(new SynthOptions { MaxOverlap = 1.5 }, "max_overlap");
        Bad(new SynthOptions { OverlapN = 2 }, "overlap_n");
        Bad(new SynthOptions { Tiers = new TierMix(0, 0, 0) }, "tiers");
        Bad(new SynthOptions { Web = new WebMixture { NoiseShare = 1.2 } }, "web.noise_share");
        Bad(new SynthOptions { Web = new WebMixture { Prose = -1 } }, "web.prose");
        Bad(new SynthOptions { Web = new WebMixture { Boilerplate = 0, Ids = 0, Tables = 0, Prose = 0, WrongArithmetic = 0 } }, "noise weight");
        Assert.Contains("--tiers", Assert.Throws<SiftException>(() => TierMix.Parse("easy=1,tricky=2")).Message);
        Assert.Equal(new TierMix(1, 0, 0.5), TierMix.Parse("easy=1, hard=0.5"));
    }
}
