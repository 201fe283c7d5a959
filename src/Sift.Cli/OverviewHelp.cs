using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Sift.Cli;

/// <summary>
/// `sift --help`: a one-screen overview, commands grouped by stage of the workflow with the first line of each
/// description. Subcommand help (`sift train --help`) keeps System.CommandLine's full layout.
/// </summary>
internal sealed class OverviewHelpAction(CommandLineAction inner) : SynchronousCommandLineAction
{
    private static readonly (string Title, string[] Commands)[] Groups =
    [
        ("Run the whole loop", ["demo"]),
        ("Data", ["data", "tokenizer", "decontaminate", "synth", "select"]),
        ("Train and select (Rho-1 SLM), self-improve", ["train", "score", "analyze", "selftrain"]),
        ("Generate, verify, evaluate, serve", ["generate", "integrative", "rm", "eval", "bon", "grade", "serve"]),
        ("Measure and export", ["bench", "export"]),
    ];

    // One line each; the commands' own descriptions (shown by `sift <command> --help`) run to several.
    private static readonly Dictionary<string, string> Summaries = new()
    {
        ["demo"] = "Rho-1 end to end on the built-in corpus (reference, scoring, CLM/SLM/random students, report); `demo verifiers`: PRM/ORM best-of-N; `demo preferences`: SFT, then KTO/DPO",
        ["data"] = "pack text, JSONL or Parquet into token shards; synth generates the built-in corpus with provenance labels; export writes .npy windows + reference losses for PyTorch",
        ["decontaminate"] = "find training items that nearly repeat benchmark items (TF-IDF top-10, Jaccard), report and remove them",
        ["select"] = "data selection: in-domain text from a general corpus (TRAIT), a quality-aware diverse SFT subset (QaDS)",
        ["synth"] = "new training problems: chat agents (Orca-Math), augmentation (InternLM2-Math), symbolic mutation of program-solved ones",
        ["tokenizer"] = "train byte-level BPE tokenizers (HF tokenizer.json); encode/decode text or JSONL files",
        ["train"] = $"train a Llama model from a YAML recipe ({string.Join(", ", Sift.Pipelines.Training.Objectives.ObjectiveRegistry.Names)} objectives); resumable",
        ["score"] = "per-token losses of a model: JSONL lines, or a packed corpus as SLM reference scores (--part i/n)",
        ["selftrain"] = "self-improvement loop: sample, grade against gold, train DPO/KTO (Orca-Math) or SFT + repairs (SAFE), repeat; resumable",
        ["analyze"] = "token-loss dynamics across checkpoints (H->H, L->H, H->L, L->L) and what SLM selected",
        ["generate"] = "complete prompts with a KV cache, locally or through an OpenAI-compatible server",
        ["integrative"] = "Integrative Decoding: one answer decoded over k prompts that each hold an earlier sampled answer",
        ["eval"] = "run a math benchmark (cot, pal, tool, chat; maj@k, pass@k), or re-grade completions; resumable",
        ["bon"] = "best-of-N, majority and reward-weighted voting curves (mean ± std over random subsets) from scored samples",
        ["grade"] = "decide whether two math answers are equal (strict or harness-compatible), with --explain",
        ["serve"] = "serve a model with the OpenAI API: /v1/completions, /v1/chat/completions, batching, streaming",
        ["rm"] = "reward models: score solutions (RLHFlow, Math-Shepherd, tagged PRMs; local or endpoint), Monte-Carlo step labels",
        ["export"] = "write a model folder as a GGUF file for llama.cpp (f32, f16, q8_0); run it with --backend llamacpp",
        ["bench"] = "engine throughput: training, forward-only and decode tokens/s against sgemm and memory bandwidth",
    };

    /// <summary>Puts the overview on the root's help option.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new OverviewHelpAction(help.Action!);
    }

    public override int Invoke(ParseResult parseResult)
    {
        if (parseResult.CommandResult.Command is not RootCommand root)
        {
            return inner is SynchronousCommandLineAction sync ? sync.Invoke(parseResult) : ((HelpAction)inner).Invoke(parseResult);
        }
        var o = parseResult.InvocationConfiguration.Output;
        o.WriteLine(root.Description);
        o.WriteLine();
        o.WriteLine("Usage: sift <command> [options]        (./sift builds the CLI in Release first)");
        var byName = root.Subcommands.ToDictionary(c => c.Name);
        int width = byName.Keys.Max(k => k.Length) + 2;
        foreach (var (title, names) in Groups)
        {
            o.WriteLine();
            o.WriteLine(title + ":");
            foreach (string name in names.Where(byName.ContainsKey))
            {
                o.WriteLine($"  {name.PadRight(width)}{Summary(byName[name])}");
            }
        }
        var other = byName.Keys.Except(Groups.SelectMany(g => g.Commands)).Order(StringComparer.Ordinal).ToList();
        if (other.Count > 0)
        {
            o.WriteLine();
            o.WriteLine("Other:");
            other.ForEach(name => o.WriteLine($"  {name.PadRight(width)}{Summary(byName[name])}"));
        }
        o.WriteLine();
        o.WriteLine("Run 'sift <command> --help' for its options and examples. Long jobs show progress with an ETA on a");
        o.WriteLine("terminal and plain log lines otherwise; most commands take --json for a machine-readable summary.");
        return 0;
    }

    private static string Summary(Command c)
    {
        if (Summaries.TryGetValue(c.Name, out string? line))
        {
            return line;
        }
        string s = (c.Description ?? "").Trim();
        int nl = s.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? s : s[..nl].TrimEnd();
    }
}
