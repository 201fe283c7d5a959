using System.Globalization;
using System.Net;
using System.Text;
using Sift.Core;
using Sift.Core.IO;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Pipelines.Analysis;
using Sift.Pipelines.Selective;
using Sift.Text;

namespace Sift.Pipelines.Demo;

/// <summary>One token of the token page.</summary>
/// <param name="Text">Its text.</param>
/// <param name="Label">Provenance kind ("clean", "ids", ...).</param>
/// <param name="Student">The SLM student's loss on it (nats).</param>
/// <param name="Reference">The reference model's loss (nats).</param>
/// <param name="Kept">Whether SLM's rule keeps it (top share of excess loss in its group).</param>
internal sealed record PageToken(string Text, string Label, float Student, float Reference, bool Kept)
{
    /// <summary>Excess loss: student − reference.</summary>
    public float Excess => Student - Reference;
}

/// <summary>What the token page shows: one selection group of web windows, token by token.</summary>
/// <param name="Windows">Windows shown, each a list of tokens (the targets of the window).</param>
/// <param name="GroupTokens">Tokens in the selection group the keep marks were computed over (all its windows, shown or not).</param>
/// <param name="ByLabel">Per provenance kind over the whole group: tokens, kept tokens, mean excess loss.</param>
/// <param name="Ratio">The select ratio.</param>
/// <param name="Model">Which student's model gave the losses.</param>
internal sealed record TokenPage(IReadOnlyList<IReadOnlyList<PageToken>> Windows, int GroupTokens,
    IReadOnlyDictionary<string, (int Tokens, int Kept, double MeanExcess)> ByLabel, double Ratio, string Model);

/// <summary>
/// runs/demo/tokens.html, Rho-1's token-level figures in miniature: web windows of the demo's corpus with each token
/// coloured by its excess loss (the SLM student's final loss − the reference model's, red where the student is worse)
/// and underlined where SLM's rule keeps it (the top <c>select_ratio</c> of excess loss in its micro-batch, the
/// training objective's own selector replayed on the final model). Self-contained: inline CSS, no scripts.
/// </summary>
internal static class DemoTokens
{
    /// <summary>Windows printed on the page (the keep marks are computed over the whole selection group).</summary>
    public const int ShownWindows = 6;

    // Colour scale: |excess| at or above this many nats gets the full colour.
    private const double Saturation = 2.0;

    /// <summary>Computes the page from the SLM student's final model, the web corpus, its labels and the reference scores.</summary>
    public static TokenPage Compute(DemoOptions o, SynthStageResult synth, ScoreStageResult score, TrainStageResult slm, string modelName)
    {
        var r = o.Student;
        int T = r.SeqLen;
        using var ds = TokenDataset.Open(synth.WebTokens);
        var sampler = new WindowSampler(ds, T, r.Seed, WindowSplit.All);
        int group = r.SelectScope == SelectScope.Sequence ? 1 : r.MicroBatch;
        int windows = (int)Math.Min(group, sampler.WindowCount);
        if (windows < 1)
        {
            throw new SiftException($"{synth.WebTokens}: no {T}-token windows for the token page");
        }
        int n = windows * T;
        var starts = new long[windows];
        var inputs = new int[windows * T];
        var targets = new int[windows * T];
        for (int w = 0; w < windows; w++)
        {
            starts[w] = sampler.WindowStart(w);
            sampler.ReadWindow(w, inputs.AsSpan(w * T, T), targets.AsSpan(w * T, T));
        }
        var labels = new byte[n];
        using (var lab = SideShardReader<byte>.Open(synth.WebLabels, ds))
        {
            WindowSideData.ReadTargets(lab, starts, T, labels);
        }
        var reference = new float[n];
        using (var sc = ReferenceScores.Open(score.Scores, ds, T))
        {
            WindowSideData.ReadTargets(sc, starts, T, reference);
        }
        var student = new float[n];
        var compute = new Compute(GemmFactory.Create(r.Gemm, o.Threads), o.Threads);
        using (var model = HfModelFolder.Load(slm.Model))
        using (var graph = new TrainingGraph(model, windows, T, compute, forwardOnly: true))
        {
            graph.Forward(inputs, targets, forBackward: false);
            graph.Losses[..n].CopyTo(student);
        }
        var kept = SelectionReplay.Select(student, reference, r.SelectRatio, group * T);
        var tok = TokenizerFactory.Load(synth.Tokenizer);
        var tokens = new PageToken[n];
        for (int i = 0; i < n; i++)
        {
            tokens[i] = new PageToken(tok.Decode([targets[i]]), ProvenanceNames.Of(labels[i]), student[i], reference[i], kept[i]);
        }
        var byLabel = tokens.GroupBy(t => t.Label).OrderByDescending(g => g.Count())
            .ToDictionary(g => g.Key, g => (g.Count(), g.Count(t => t.Kept), g.Average(t => (double)t.Excess)), StringComparer.Ordinal);
        var shown = Enumerable.Range(0, Math.Min(ShownWindows, windows)).Select(w => (IReadOnlyList<PageToken>)tokens.AsSpan(w * T, T).ToArray()).ToList();
        return new TokenPage(shown, n, byLabel, r.SelectRatio, modelName);
    }

    /// <summary>Writes <paramref name="page"/> as a self-contained HTML file.</summary>
    public static void Write(TokenPage page, string path) => AtomicFile.WriteAllText(path, Html(page));

    /// <summary>The page's HTML.</summary>
    public static string Html(TokenPage p)
    {
        static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sift demo: tokens by excess loss</title><style>");
        sb.AppendLine("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}" +
            ".doc{font-family:monospace;font-size:13px;line-height:1.9;white-space:pre-wrap;border:1px solid #ddd;padding:.6em;margin:.6em 0 1.4em}" +
            ".t{border-radius:2px}.t.d{opacity:.55}.t.k{border-bottom:2px solid #000}" +
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}" +
            ".scale span{display:inline-block;width:46px;text-align:center;font-size:11px;padding:2px 0}");
        sb.AppendLine("</style></head><body>");
        sb.AppendLine("<h1>Which tokens SLM trains on</h1>");
        string intro = $"<p>Windows of the demo's crawl-like web corpus, token by token. Colour: <b>excess loss</b> = the loss of {Esc(p.Model)} − " +
            "the reference model's loss (red: the student is worse than the reference there, so the token is learnable and not yet learned; blue: the student is already better). " +
            $"<span class=\"t k\">Underlined</span> tokens are the ones SLM's rule keeps: the top {F(p.Ratio * 100)}% of excess loss in their micro-batch of {p.GroupTokens.ToString("N0", CultureInfo.InvariantCulture)} tokens " +
            "(the training objective's own selector, replayed on the final model); <span class=\"t d\">faded</span> tokens get no gradient. Hover a token for its kind and losses.</p>";
        sb.AppendLine(intro);
        sb.Append("<p class=\"scale\">excess loss (nats): ");
        foreach (double v in new[] { -2, -1, -0.5, 0, 0.5, 1, 2 })
        {
            sb.Append(CultureInfo.InvariantCulture, $"<span style=\"background:{Colour(v)}\">{(v > 0 ? "+" : "")}{v.ToString("0.#", CultureInfo.InvariantCulture)}</span>");
        }
        sb.AppendLine("</p>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<h2>What was kept, by kind (all {p.GroupTokens:N0} tokens of the micro-batch)</h2>");
        sb.AppendLine("<table><tr><th>kind</th><th>tokens</th><th>kept</th><th>kept share</th><th>mean excess loss</th></tr>");
        foreach (var (label, c) in p.ByLabel)
        {
            var (tokens, keptCount, mean) = c;
            sb.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{Esc(label)}</td><td>{tokens:N0}</td><td>{keptCount:N0}</td><td>{F(100.0 * keptCount / tokens)}%</td><td>{F(mean)}</td></tr>");
        }
        sb.AppendLine("</table>");
        for (int w = 0; w < p.Windows.Count; w++)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"<h2>Window {w + 1}</h2><div class=\"doc\">");
            foreach (var t in p.Windows[w])
            {
                string title = $"{t.Label} | student {F(t.Student)} | reference {F(t.Reference)} | excess {F(t.Excess)} | {(t.Kept ? "kept" : "dropped")}";
                sb.Append(CultureInfo.InvariantCulture, $"<span class=\"t {(t.Kept ? "k" : "d")}\" data-x=\"{t.Excess.ToString("0.####", CultureInfo.InvariantCulture)}\" style=\"background:{Colour(t.Excess)}\" title=\"{Esc(title)}\">{Esc(t.Text)}</span>");
            }
            sb.AppendLine("</div>");
        }
        sb.AppendLine("</body></html>");
        return sb.ToString();
    }

    // White at 0, red for positive excess, blue for negative, saturating at ±Saturation nats.
    private static string Colour(double excess)
    {
        double a = Math.Clamp(Math.Abs(excess) / Saturation, 0, 1);
        var (r, g, b) = excess >= 0 ? (214, 39, 40) : (31, 119, 180);
        static int Mix(int c, double a) => (int)Math.Round(255 + (c - 255) * a);
        return FormattableString.Invariant($"rgb({Mix(r, a)},{Mix(g, a)},{Mix(b, a)})");
    }

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
