using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Core.Text;
using Sift.Pipelines.Synth;
using Sift.Synth;
using Sift.Synth.Web;

namespace Sift.Cli.Commands;

/// <summary>`sift data synth`: the built-in corpus (clean problems, crawl-like web pages with provenance, held-out eval).</summary>
public static class DataSynthCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var d = new SynthOptions();
        var w = new WebMixture();
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Folder to create", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed: the same seed and options give the same corpus", DefaultValueFactory = _ => d.Seed };
        var cleanDocs = new Option<string>("--clean-docs") { Description = "Clean documents for the reference model (k/M suffixes allowed)", DefaultValueFactory = _ => d.CleanDocuments.ToString(CultureInfo.InvariantCulture) };
        var cleanProse = new Option<double>("--clean-math-prose") { Description = "Share of clean documents that are math prose passages", DefaultValueFactory = _ => d.CleanMathProseShare };
        var webChars = new Option<string>("--web-chars") { Description = "Characters of crawl-like web text (k/M suffixes allowed)", DefaultValueFactory = _ => d.WebChars.ToString(CultureInfo.InvariantCulture) };
        var evalPerTier = new Option<int>("--eval-per-tier") { Description = "Held-out problems per tier (easy, medium, hard)", DefaultValueFactory = _ => d.EvalPerTier };
        var tiers = new Option<string>("--tiers") { Description = "Tier weights of training problems", DefaultValueFactory = _ => d.Tiers.ToString() };
        var webTiers = new Option<string?>("--web-tiers") { Description = "Tier weights of the web corpus's problems (default: --tiers)" };
        var evalTiers = new Option<string>("--eval-tiers") { Description = "Tiers that get held-out problems", DefaultValueFactory = _ => TierNames.Format(d.EvalTiers) };
        var evalDistinct = new Option<string>("--eval-distinct") { Description = "What training never shares with a held-out problem: numbers (template and numbers) or instances (the question text)", DefaultValueFactory = _ => "numbers" };
        evalDistinct.AcceptOnlyFromAmong("numbers", "instances");
        var noise = new Option<double>("--noise-share") { Description = "Share of web characters that are noise", DefaultValueFactory = _ => w.NoiseShare };
        var weights = new Option<string>("--noise-weights") { Description = "Weights of the noise kinds", DefaultValueFactory = _ => FormattableString.Invariant($"boilerplate={w.Boilerplate},ids={w.Ids},tables={w.Tables},prose={w.Prose},wrong_arithmetic={w.WrongArithmetic}") };
        var webProse = new Option<double>("--web-math-prose") { Description = "Share of clean web characters that are math prose", DefaultValueFactory = _ => w.MathProseShare };
        var jitter = new Option<double>("--page-jitter") { Description = "Per-page spread of the noise share", DefaultValueFactory = _ => w.PageJitter };
        var overlapN = new Option<int>("--overlap-n") { Description = "Word n-gram length of the contamination check", DefaultValueFactory = _ => d.OverlapN };
        var maxOverlap = new Option<double>("--max-overlap") { Description = "Fail when an eval problem shares more than this share of its n-grams with training text", DefaultValueFactory = _ => d.MaxOverlap };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Pack with this tokenizer.json (or folder) instead of training one" };
        var vocab = new Option<int>("--vocab-size") { Description = "Vocabulary of the trained BPE tokenizer", DefaultValueFactory = _ => new SynthPipelineOptions().TokenizerVocab };
        var tokChars = new Option<string>("--tokenizer-chars") { Description = "Characters the tokenizer is trained on", DefaultValueFactory = _ => new SynthPipelineOptions().TokenizerChars.ToString(CultureInfo.InvariantCulture) };
        var textOnly = new Option<bool>("--text-only") { Description = "Write JSONL only (no tokenizer, no packing, no labels)" };
        var threads = new Option<int>("--threads") { Description = "Tokenizer threads (output is identical for any count)", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing synth folder" };
        var json = new Option<bool>("--json") { Description = "Print the manifest (synth.json) as the JSON summary" };
        var cmd = new Command("synth", """
            Generate the built-in corpus, deterministic by seed:
              clean/   worked grade-school word problems (GSM8K layout, "#### answer") in easy/medium/hard tiers,
                       plus expository math prose: the reference model's data
              web/     crawl-like math pages: clean problems and prose mixed with boilerplate, IDs/URLs/hashes,
                       tables of random numbers, off-topic prose and worked solutions with a wrong step;
                       web/labels holds every token's provenance (uint8 side shard)
              eval.jsonl  held-out problems {question, solution, answer, tier}: evaluation-only names, no
                       training draw repeats an eval problem's numbers, and a word 13-gram overlap check
              tokenizer/, clean/tokens/, web/tokens/: a BPE tokenizer trained on the corpus and packed shards
            """)
        {
            output, seed, cleanDocs, cleanProse, webChars, evalPerTier, tiers, webTiers, evalTiers, evalDistinct, noise, weights, webProse, jitter,
            overlapN, maxOverlap, tokenizer, vocab, tokChars, textOnly, threads, overwrite, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var mix = ParseWeights(pr.GetValue(weights)!) with
            {
                NoiseShare = pr.GetValue(noise),
                MathProseShare = pr.GetValue(webProse),
                PageJitter = pr.GetValue(jitter),
            };
            var corpus = new SynthOptions
            {
                Seed = pr.GetValue(seed),
                CleanDocuments = (int)Math.Min(int.MaxValue, Count.Parse(pr.GetValue(cleanDocs)!, "--clean-docs")),
                CleanMathProseShare = pr.GetValue(cleanProse),
                WebChars = Count.Parse(pr.GetValue(webChars)!, "--web-chars"),
                EvalPerTier = pr.GetValue(evalPerTier),
                Tiers = TierMix.Parse(pr.GetValue(tiers)!),
                WebTiers = pr.GetValue(webTiers) is string webTierText ? TierMix.Parse(webTierText, "--web-tiers") : null,
                EvalTiers = TierNames.ParseList(pr.GetValue(evalTiers)!, "--eval-tiers"),
                EvalDistinct = pr.GetValue(evalDistinct) == "instances" ? EvalDistinct.Instances : EvalDistinct.Numbers,
                Web = mix,
                OverlapN = pr.GetValue(overlapN),
                MaxOverlap = pr.GetValue(maxOverlap),
            };
            var options = new SynthPipelineOptions
            {
                Corpus = corpus,
                Pack = !pr.GetValue(textOnly),
                Tokenizer = pr.GetValue(tokenizer),
                TokenizerVocab = pr.GetValue(vocab),
                TokenizerChars = Count.Parse(pr.GetValue(tokChars)!, "--tokenizer-chars"),
                Threads = Math.Max(1, pr.GetValue(threads)),
                Overwrite = pr.GetValue(overwrite),
            };
            bool asJson = pr.GetValue(json);
            IProgressReporter progress = asJson ? NullProgress.Instance : new ConsoleProgress();
            var r = new SynthPipeline(options, progress).Run(pr.GetRequiredValue(output).FullName, CommandRunner.CtrlC());
            if (asJson)
            {
                CommandRunner.WriteJson(r.Summary);
                return 0;
            }
            var st = r.Stats;
            Console.WriteLine($"eval: {st.EvalProblems} problems -> {r.EvalJsonl}");
            Console.WriteLine($"clean: {st.CleanDocuments} documents, {st.CleanChars:N0} chars" + (st.CleanTokenCount is long ct ? $", {ct:N0} tokens -> {r.CleanTokens}" : ""));
            Console.WriteLine($"web: {st.WebDocuments} pages, {st.WebChars:N0} chars" + (st.WebTokenCount is long wt ? $", {wt:N0} tokens -> {r.WebTokens} (labels: {r.WebLabels})" : ""));
            Console.WriteLine($"web {(st.WebTokenShares is null ? "character" : "token")} shares: " +
                string.Join(", ", (st.WebTokenShares ?? st.WebCharShares).Select(kv => $"{kv.Key} {kv.Value:P1}")));
            Console.WriteLine($"manifest: {r.Manifest} ({st.Seconds.GetValueOrDefault("total"):0.0}s)");
            return 0;
        }));
        return cmd;
    }

    /// <summary>"boilerplate=0.25,ids=0.2,..." → weights (unnamed kinds keep their defaults).</summary>
    internal static WebMixture ParseWeights(string s)
    {
        var m = new WebMixture();
        foreach (string part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2 || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                throw new SiftException($"--noise-weights '{s}': expected kind=weight pairs, e.g. boilerplate=0.25,ids=0.2,tables=0.2,prose=0.2,wrong_arithmetic=0.15");
            }
            m = kv[0].Trim() switch
            {
                "boilerplate" => m with { Boilerplate = v },
                "ids" => m with { Ids = v },
                "tables" => m with { Tables = v },
                "prose" => m with { Prose = v },
                "wrong_arithmetic" => m with { WrongArithmetic = v },
                _ => throw new SiftException($"--noise-weights: unknown kind '{kv[0].Trim()}' (kinds: boilerplate, ids, tables, prose, wrong_arithmetic)"),
            };
        }
        return m;
    }
}
