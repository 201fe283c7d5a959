using System.Text.Json.Nodes;
using Sift.Core.Random;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Optim;
using Sift.Inference;
using Sift.Inference.Chat;
using Sift.Rewards.Scoring;
using Sift.Text;
using Sift.Text.Bpe;

namespace Sift.Rewards.Tests.Support;

/// <summary>
/// A rule-separable process-reward toy: a solution is steps "a+b=c" (a, b in 0..2), right when c = a + b. A tiny
/// Llama is trained here, from random weights, to say "+" after right steps and "-" after wrong ones in two layouts:
/// RLHFlow's chat turns (Llama-3.1 template) and Math-Shepherd-style tags.
/// </summary>
internal static class ToyPrm
{
    public const string Question = "Add:";
    public const string Tag = "#";

    public static string Step(int a, int b, int c) => $"{a}+{b}={c}";

    /// <summary>A random solution of <paramref name="steps"/> steps, each wrong with probability 1/2, and which are right.</summary>
    public static (string[] Steps, bool[] Right) Solution(Rng rng, int steps)
    {
        var s = new string[steps];
        var ok = new bool[steps];
        for (int k = 0; k < steps; k++)
        {
            int a = rng.NextInt(3), b = rng.NextInt(3);
            ok[k] = rng.NextInt(2) == 0;
            int c = ok[k] ? a + b : (a + b + 1 + rng.NextInt(4)) % 5;
            s[k] = Step(a, b, c);
        }
        return (s, ok);
    }

    public static string ChatCompletion(string[] steps) => string.Join("\n\n", steps);

    public static string TaggedCompletion(string[] steps) => string.Join("\n", steps.Select(s => s + Tag));

    /// <summary>A model folder with a byte-level BPE tokenizer (Llama-3.1 specials and template), trained when <paramref name="trainSteps"/> &gt; 0.</summary>
    public static string Create(string dir, int trainSteps, ulong seed = 3, float lr = 1e-3f)
    {
        Directory.CreateDirectory(dir);
        var rng = new Rng(seed);
        var corpus = new List<string>();
        var chatTemplate = ChatPrompt.FromTemplate(Untemplated(), Llama31.ChatTemplate, "toy");
        for (int i = 0; i < 200; i++)
        {
            var (steps, _) = Solution(rng, 1 + rng.NextInt(4));
            corpus.Add(Question + " " + TaggedCompletion(steps));
            var messages = steps.SelectMany((s, k) => new[] { new ChatMessageIn("user", k == 0 ? Question + " " + s : s), new ChatMessageIn("assistant", "+") }).ToList();
            corpus.Add(chatTemplate.Render(messages, false, false));
        }
        var tok = BpeTrainer.Train(corpus, 320, ["<|endoftext|>", .. Llama31.Specials]);
        tok.SaveDirectory(dir);
        string cfgPath = Path.Combine(dir, "tokenizer_config.json");
        var cfg = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
        cfg["chat_template"] = Llama31.ChatTemplate;
        cfg["bos_token"] = "<|begin_of_text|>";
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        var config = new LlamaConfig
        {
            VocabSize = tok.VocabSize,
            HiddenSize = 48,
            IntermediateSize = 96,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 12,
            MaxPositionEmbeddings = 256,
            TieWordEmbeddings = true,
        };
        using var m = new LlamaModel(config);
        m.InitRandom(seed, std: 0.05f);
        if (trainSteps > 0)
        {
            Train(m, HfTokenizer.Load(Path.Combine(dir, "tokenizer.json")), trainSteps, seed, lr);
        }
        HfModelFolder.Save(m, dir);
        return dir;
    }

    // A stand-in tokenizer so the template can be rendered before the real one is trained.
    private static ITokenizer Untemplated() => BpeTrainer.Train(["x"], 260, ["<|begin_of_text|>"]);

    private static void Train(LlamaModel m, HfTokenizer tok, int steps, ulong seed, float peak)
    {
        var chat = new ChatTurnsPromptBuilder(ChatPrompt.FromTemplate(tok, Llama31.ChatTemplate, "toy"), LabelTokens.Single(tok, "+", "-"), outcome: false, separator: null);
        var tagged = new TaggedPromptBuilder(tok, tok.BosId, Tag, separator: null);
        var labels = LabelTokens.Single(tok, "+", "-");
        const int B = 16, T = 128;
        var compute = new Compute(GemmFactory.Create("managed", 1), 1);
        using var graph = new TrainingGraph(m, B, T, compute);
        using var adam = new AdamW(m.Layout, new AdamWOptions { WeightDecay = 0f });
        var rng = new Rng(seed * 7919 + 1);
        var inputs = new int[B * T];
        var targets = new int[B * T];
        var weights = new float[B * T];
        for (int step = 0; step < steps; step++)
        {
            Array.Clear(inputs);
            Array.Clear(targets);
            Array.Clear(weights);
            int labelled = 0;
            for (int b = 0; b < B; b++)
            {
                var (s, ok) = Solution(rng, 1 + rng.NextInt(4));
                bool useChat = b % 2 == 0;
                var p = useChat ? chat.Build(Question, ChatCompletion(s)) : tagged.Build(Question, TaggedCompletion(s));
                int[] ids = (int[])p.Tokens.Clone();
                for (int k = 0; k < p.Rows.Length; k++)
                {
                    int label = ok[k] ? labels.Good : labels.Bad;
                    if (useChat)
                    {
                        ids[p.Rows[k] + 1] = label; // the assistant turn holds the true label, as in RLHFlow's data
                    }
                }
                int n = Math.Min(T, ids.Length);
                for (int t = 0; t < n; t++)
                {
                    inputs[b * T + t] = ids[t];
                    targets[b * T + t] = t + 1 < ids.Length ? ids[t + 1] : ids[t];
                }
                for (int k = 0; k < p.Rows.Length; k++)
                {
                    int r = p.Rows[k];
                    targets[b * T + r] = ok[k] ? labels.Good : labels.Bad;
                    weights[b * T + r] = 1;
                    labelled++;
                }
            }
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] /= labelled;
            }
            graph.ZeroGrad();
            graph.Forward(inputs, targets);
            graph.Backward(weights);
            GradientClipping.ClipGlobalNorm(graph.Grads, 1.0, 1);
            // Warm-up, then a linear decay to a tenth: the toy separates cleanly and stays separated.
            float lr = step < 20 ? peak * (step + 1) / 20 : peak * (1f - 0.9f * (step - 20) / Math.Max(1, steps - 20));
            adam.Update(m.Weights, graph.Grads, lr, 1);
        }
    }

    public static LoadedModel Open(string dir) => LoadedModel.Open(dir, threads: 1, gemm: "managed");
}
