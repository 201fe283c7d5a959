using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Synth;
using Sift.Text;
using Sift.Text.Bpe;

namespace Sift.Pipelines.Synth;

/// <summary>Settings of <see cref="SynthPipeline"/> beyond the corpus itself.</summary>
internal sealed record SynthPipelineOptions
{
    /// <summary>What to generate.</summary>
    public SynthOptions Corpus { get; init; } = new();

    /// <summary>Tokenise and pack (clean/tokens, web/tokens, web/labels); false writes text only.</summary>
    public bool Pack { get; init; } = true;

    /// <summary>An existing tokenizer.json (or folder) to pack with; null trains one on the corpus.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>Vocabulary of the trained tokenizer (special token + 256 bytes + merges).</summary>
    public int TokenizerVocab { get; init; } = 1024;

    /// <summary>Characters the tokenizer is trained on (clean and web text, interleaved).</summary>
    public long TokenizerChars { get; init; } = 3_000_000;

    /// <summary>Tokenizer threads for packing (output does not depend on it).</summary>
    public int Threads { get; init; } = Math.Min(2, Environment.ProcessorCount);

    /// <summary>Replace an existing synth folder.</summary>
    public bool Overwrite { get; init; }
}

/// <summary>Where a synth run put things (all absolute), what it made, and the manifest it wrote (synth.json).</summary>
internal sealed record SynthResult(
    string Folder, string Manifest, string EvalJsonl, string CleanJsonl, string WebJsonl,
    string? TokenizerDir, string? CleanTokens, string? WebTokens, string? WebLabels, SynthStats Stats, JsonObject Summary);

/// <summary>Counts and shares of a synth run (the typed part of synth.json that other stages read).</summary>
/// <param name="EvalProblems">Held-out problems written.</param>
/// <param name="CleanDocuments">Clean documents written.</param>
/// <param name="CleanChars">Their characters.</param>
/// <param name="WebDocuments">Web pages written.</param>
/// <param name="WebChars">Their characters.</param>
/// <param name="WebCharShares">Share of web characters per provenance kind.</param>
/// <param name="CleanTokenCount">Packed clean tokens (null when not packed).</param>
/// <param name="WebTokenCount">Packed web tokens.</param>
/// <param name="WebTokenShares">Share of web tokens per provenance kind.</param>
/// <param name="Seconds">Seconds per step (generate, tokenizer, pack, labels, total).</param>
internal sealed record SynthStats(int EvalProblems, long CleanDocuments, long CleanChars, long WebDocuments, long WebChars, Dictionary<string, double> WebCharShares,
    long? CleanTokenCount, long? WebTokenCount, Dictionary<string, double>? WebTokenShares, Dictionary<string, double> Seconds);

/// <summary>
/// `sift data synth`: writes the built-in corpus into one folder:
/// <code>
/// synth.json          manifest: seed, options, counts, shares, overlap check, tokens, timings (written last)
/// eval.jsonl          held-out problems {question, solution, answer, tier, template}
/// clean/train.jsonl   the reference model's data {text, kind, tier, template}
/// web/train.jsonl     crawl-like pages {text, spans: [[start, end, label], ...]}
/// tokenizer/          byte-level BPE trained on clean + web text (unless a tokenizer is given)
/// clean/tokens/       packed clean data (with tokenizer.json), ready for `sift train`
/// web/tokens/         packed web data
/// web/labels/         per-token provenance (uint8 side shard aligned with web/tokens)
/// </code>
/// The evaluation set is checked for word n-gram overlap with all training text and the run fails when an
/// item exceeds the threshold.
/// </summary>
internal sealed class SynthPipeline(SynthPipelineOptions options, IProgressReporter? progress = null)
{
    /// <summary>Manifest file name.</summary>
    public const string ManifestName = "synth.json";

    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Generates (and packs) the corpus into <paramref name="folder"/>.</summary>
    public SynthResult Run(string folder, CancellationToken cancel = default)
    {
        var o = options;
        if (o.TokenizerVocab < 258 || o.TokenizerVocab > 65535)
        {
            throw new SiftException($"--vocab-size {o.TokenizerVocab}: expected 258 .. 65535 (1 special token + 256 bytes + merges)");
        }
        folder = Path.GetFullPath(folder);
        string manifestPath = Path.Combine(folder, ManifestName);
        if (File.Exists(manifestPath) && !o.Overwrite)
        {
            throw new SiftException($"{folder}: already holds a synthetic corpus ({ManifestName}); choose another folder or pass --overwrite");
        }
        var corpus = new SynthCorpus(o.Corpus); // validates the options
        Directory.CreateDirectory(folder);
        File.Delete(manifestPath); // first, so an interrupted rewrite never looks complete
        var total = Stopwatch.StartNew();
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        string evalPath = Path.Combine(folder, "eval.jsonl"), cleanPath = Path.Combine(folder, "clean", "train.jsonl"), webPath = Path.Combine(folder, "web", "train.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(cleanPath)!);
        Directory.CreateDirectory(Path.GetDirectoryName(webPath)!);

        // 1. Text, with the contamination check streaming over all training text.
        var sw = Stopwatch.StartNew();
        var checker = new OverlapChecker(corpus.Eval.Select(p => p.Question + "\n" + p.Solution).ToList(), o.Corpus.OverlapN);
        WriteEval(evalPath, corpus.Eval);
        var cleanCounts = WriteClean(cleanPath, corpus, checker, cancel);
        var (webCounts, charShares) = WriteWeb(webPath, corpus, checker, cancel);
        seconds["generate"] = Math.Round(sw.Elapsed.TotalSeconds, 3);
        var overlap = checker.Report();
        var overlapJson = OverlapJson(overlap, corpus, o.Corpus.MaxOverlap);
        _progress.Line($"overlap check: max {overlap.MaxShare:P1} of an eval problem's {overlap.N}-grams occur in training text (mean {overlap.MeanShare:P1}, threshold {o.Corpus.MaxOverlap:P0})");
        if (overlap.MaxShare > o.Corpus.MaxOverlap)
        {
            var w = corpus.Eval[overlap.WorstItem];
            throw new SiftException($"contamination check failed: {overlap.MaxShare:P1} of the {overlap.N}-grams of eval problem {overlap.WorstItem + 1} ({w.Template}, {w.Tier.Name()}) " +
                $"occur in training text, above the threshold {o.Corpus.MaxOverlap:P0} (--max-overlap). Question: {w.Question}");
        }

        var summary = new JsonObject
        {
            ["format"] = "sift-synth",
            ["version"] = 1,
            ["seed"] = o.Corpus.Seed,
            ["options"] = OptionsJson(o),
            ["counts"] = new JsonObject
            {
                ["eval"] = corpus.Eval.Count,
                ["eval_per_tier"] = o.Corpus.EvalPerTier,
                ["clean_documents"] = cleanCounts.Docs,
                ["clean_problems"] = cleanCounts.Problems,
                ["clean_math_prose"] = cleanCounts.Prose,
                ["clean_chars"] = cleanCounts.Chars,
                ["web_documents"] = webCounts.Docs,
                ["web_chars"] = webCounts.Chars,
            },
            ["web_char_shares"] = Json(charShares),
            ["overlap"] = overlapJson,
        };
        string? tokDir = null, cleanTokens = null, webTokens = null, webLabels = null;
        long? cleanTokenCount = null, webTokenCount = null;
        Dictionary<string, double>? webTokenShares = null;
        if (o.Pack)
        {
            // 2. Tokenizer.
            sw.Restart();
            HfTokenizer tok;
            if (o.Tokenizer is not null)
            {
                tok = Directory.Exists(o.Tokenizer) ? TokenizerFactory.Load(o.Tokenizer) : HfTokenizer.Load(o.Tokenizer);
                tokDir = Directory.Exists(o.Tokenizer) ? Path.GetFullPath(o.Tokenizer) : Path.GetDirectoryName(Path.GetFullPath(o.Tokenizer))!;
                summary["tokenizer"] = new JsonObject { ["path"] = tokDir, ["trained"] = false, ["vocab_size"] = tok.VocabSize, ["fingerprint"] = tok.Fingerprint };
            }
            else
            {
                _progress.Line($"training a {o.TokenizerVocab}-id BPE tokenizer on up to {o.TokenizerChars:N0} characters");
                var (texts, used) = TokenizerSample(corpus, o.TokenizerChars);
                tok = BpeTrainer.Train(texts, o.TokenizerVocab, ["<|endoftext|>"]);
                tokDir = Path.Combine(folder, "tokenizer");
                Directory.CreateDirectory(tokDir);
                tok.SaveDirectory(tokDir);
                summary["tokenizer"] = new JsonObject { ["path"] = tokDir, ["trained"] = true, ["vocab_size"] = tok.VocabSize, ["chars"] = used(), ["fingerprint"] = tok.Fingerprint };
            }
            seconds["tokenizer"] = Math.Round(sw.Elapsed.TotalSeconds, 3);

            // 3. Pack clean and web; label web tokens.
            sw.Restart();
            var pack = new PackOptions { Threads = Math.Max(1, o.Threads), Overwrite = true };
            cleanTokens = Path.Combine(folder, "clean", "tokens");
            webTokens = Path.Combine(folder, "web", "tokens");
            webLabels = Path.Combine(folder, "web", "labels");
            var ci = new ShardPacker(tok, pack).Pack([cleanPath], cleanTokens, p => _progress.Report("pack clean", p.BytesRead, Math.Max(1, p.BytesTotal), $"{p.Tokens:N0} tokens"), cancel);
            _progress.Done();
            CopyTokenizer(tokDir, cleanTokens);
            var wi = new ShardPacker(tok, pack).Pack([webPath], webTokens, p => _progress.Report("pack web", p.BytesRead, Math.Max(1, p.BytesTotal), $"{p.Tokens:N0} tokens"), cancel);
            _progress.Done();
            CopyTokenizer(tokDir, webTokens);
            seconds["pack"] = Math.Round(sw.Elapsed.TotalSeconds, 3);
            sw.Restart();
            var labels = WebLabelWriter.Write(webPath, webTokens, webLabels, tok, Math.Max(1, o.Threads), _progress, cancel);
            seconds["labels"] = Math.Round(sw.Elapsed.TotalSeconds, 3);
            summary["tokens"] = new JsonObject { ["clean"] = ci.TotalTokens, ["web"] = wi.TotalTokens };
            summary["web_token_shares"] = Json(labels.Shares);
            webTokenShares = labels.Shares;
            (cleanTokenCount, webTokenCount) = (ci.TotalTokens, wi.TotalTokens);
            summary["label_rule"] = "a token takes the label of its first non-whitespace character (whitespace-only tokens: their first character); EOS separators are labelled separator";
            summary["mixed_label_tokens"] = labels.MixedShare;
        }
        seconds["total"] = Math.Round(total.Elapsed.TotalSeconds, 3);
        summary["seconds"] = Json(seconds);
        summary["paths"] = new JsonObject
        {
            ["eval"] = evalPath,
            ["clean_text"] = cleanPath,
            ["web_text"] = webPath,
            ["tokenizer"] = tokDir,
            ["clean_tokens"] = cleanTokens,
            ["web_tokens"] = webTokens,
            ["web_labels"] = webLabels,
        };
        AtomicFile.WriteAllText(manifestPath, summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var stats = new SynthStats(corpus.Eval.Count, cleanCounts.Docs, cleanCounts.Chars, webCounts.Docs, webCounts.Chars, charShares, cleanTokenCount, webTokenCount, webTokenShares, seconds);
        return new SynthResult(folder, manifestPath, evalPath, cleanPath, webPath, tokDir, cleanTokens, webTokens, webLabels, stats, summary);
    }

    private static void WriteEval(string path, IReadOnlyList<SynthProblem> eval) =>
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            foreach (var p in eval)
            {
                w.Write(new JsonObject
                {
                    ["question"] = p.Question,
                    ["solution"] = p.Solution,
                    ["answer"] = p.Answer,
                    ["tier"] = p.Tier.Name(),
                    ["template"] = p.Template,
                }.ToJsonString());
                w.Write('\n');
            }
        });

    private (long Docs, long Problems, long Prose, long Chars) WriteClean(string path, SynthCorpus corpus, OverlapChecker checker, CancellationToken cancel)
    {
        long docs = 0, problems = 0, prose = 0, chars = 0;
        int total = corpus.Options.CleanDocuments;
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            foreach (var d in corpus.CleanDocuments())
            {
                var o = new JsonObject { ["text"] = d.Text, ["kind"] = d.Kind };
                if (d.Tier is Tier t)
                {
                    o["tier"] = t.Name();
                }
                o["template"] = d.Template;
                w.Write(o.ToJsonString());
                w.Write('\n');
                checker.Scan(d.Text);
                docs++;
                chars += d.Text.Length;
                if (d.Kind == "problem")
                {
                    problems++;
                }
                else
                {
                    prose++;
                }
                if (docs % 2000 == 0)
                {
                    cancel.ThrowIfCancellationRequested();
                    _progress.Report("synth clean", docs, total, $"{chars:N0} chars");
                }
            }
        });
        _progress.Done();
        return (docs, problems, prose, chars);
    }

    private static JsonObject Json(IReadOnlyDictionary<string, double> d) => new(d.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    private ((long Docs, long Chars) Counts, Dictionary<string, double> Shares) WriteWeb(string path, SynthCorpus corpus, OverlapChecker checker, CancellationToken cancel)
    {
        long docs = 0, chars = 0;
        var byLabel = new long[256];
        long target = corpus.Options.WebChars;
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            foreach (var d in corpus.WebDocuments())
            {
                string text = d.ToString();
                var spans = new JsonArray();
                foreach (var sp in d.Spans)
                {
                    spans.Add(new JsonArray(sp.Start, sp.End, (int)sp.Label));
                    byLabel[(int)sp.Label] += sp.End - sp.Start;
                }
                w.Write(new JsonObject { ["text"] = text, ["spans"] = spans }.ToJsonString());
                w.Write('\n');
                checker.Scan(text);
                docs++;
                chars += text.Length;
                if (docs % 200 == 0)
                {
                    cancel.ThrowIfCancellationRequested();
                    _progress.Report("synth web", Math.Min(chars, target), Math.Max(1, target), $"{docs:N0} pages");
                }
            }
        });
        _progress.Done();
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in ProvenanceInfo.TextKinds)
        {
            shares[p.Name()] = chars > 0 ? Math.Round((double)byLabel[(int)p] / chars, 6) : 0;
        }
        return ((docs, chars), shares);
    }

    /// <summary>Clean and web texts interleaved (one web page per few clean documents), up to <paramref name="maxChars"/>.</summary>
    private static (IEnumerable<string> Texts, Func<long> Used) TokenizerSample(SynthCorpus corpus, long maxChars)
    {
        long used = 0, cleanChars = 0, webChars = 0;
        IEnumerable<string> Texts()
        {
            using var clean = corpus.CleanDocuments().GetEnumerator();
            using var web = corpus.WebDocuments().GetEnumerator();
            bool moreClean = true, moreWeb = true;
            while ((moreClean || moreWeb) && used < maxChars)
            {
                // Keep the sample's clean:web character ratio near 1:1 so merges serve both.
                if (moreClean && (!moreWeb || used == 0 || cleanChars <= webChars))
                {
                    moreClean = clean.MoveNext();
                    if (moreClean)
                    {
                        cleanChars += clean.Current.Text.Length;
                        used += clean.Current.Text.Length;
                        yield return clean.Current.Text;
                    }
                }
                else if (moreWeb)
                {
                    moreWeb = web.MoveNext();
                    if (moreWeb)
                    {
                        string t = web.Current.ToString();
                        webChars += t.Length;
                        used += t.Length;
                        yield return t;
                    }
                }
            }
        }
        return (Texts(), () => used);
    }

    private static JsonObject OverlapJson(OverlapReport r, SynthCorpus corpus, double threshold)
    {
        var o = new JsonObject
        {
            ["n"] = r.N,
            ["max_share"] = Math.Round(r.MaxShare, 6),
            ["mean_share"] = Math.Round(r.MeanShare, 6),
            ["items_with_any_hit"] = r.ItemsWithAnyHit,
            ["items"] = r.Items,
            ["training_words"] = r.TrainingWords,
            ["threshold"] = threshold,
        };
        if (r.WorstItem >= 0)
        {
            var w = corpus.Eval[r.WorstItem];
            o["worst"] = new JsonObject { ["index"] = r.WorstItem, ["template"] = w.Template, ["tier"] = w.Tier.Name(), ["question"] = w.Question };
        }
        return o;
    }

    private static JsonObject OptionsJson(SynthPipelineOptions o)
    {
        var c = o.Corpus;
        var w = c.Web;
        return new JsonObject
        {
            ["clean_documents"] = c.CleanDocuments,
            ["clean_math_prose_share"] = c.CleanMathProseShare,
            ["web_chars"] = c.WebChars,
            ["eval_per_tier"] = c.EvalPerTier,
            ["tiers"] = c.Tiers.ToString(),
            ["web_tiers"] = (c.WebTiers ?? c.Tiers).ToString(),
            ["eval_tiers"] = TierNames.Format(c.EvalTiers),
            ["eval_distinct"] = c.EvalDistinct == EvalDistinct.Numbers ? "numbers" : "instances",
            ["noise_share"] = w.NoiseShare,
            ["noise_weights"] = new JsonObject
            {
                ["boilerplate"] = w.Boilerplate,
                ["ids"] = w.Ids,
                ["tables"] = w.Tables,
                ["prose"] = w.Prose,
                ["wrong_arithmetic"] = w.WrongArithmetic,
            },
            ["web_math_prose_share"] = w.MathProseShare,
            ["page_jitter"] = w.PageJitter,
            ["overlap_n"] = c.OverlapN,
            ["max_overlap"] = c.MaxOverlap,
            ["pack"] = o.Pack,
            ["tokenizer"] = o.Tokenizer,
            ["tokenizer_vocab"] = o.TokenizerVocab,
            ["tokenizer_chars"] = o.TokenizerChars,
        };
    }

    private static void CopyTokenizer(string fromDir, string toDir)
    {
        foreach (string f in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            string src = Path.Combine(fromDir, f);
            if (File.Exists(src))
            {
                File.Copy(src, Path.Combine(toDir, f), overwrite: true);
            }
        }
    }
}
