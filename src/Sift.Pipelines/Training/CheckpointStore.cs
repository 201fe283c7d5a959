using System.Globalization;
using Sift.Core;
using Sift.Core.IO;
using Sift.Engine.Checkpoint;
using Sift.Engine.IO;
using Sift.Engine.Model;
using Sift.Engine.Optim;

namespace Sift.Pipelines.Training;

/// <summary>
/// Training checkpoints under <c>RUN/checkpoints/step-NNNNNNN/</c>: a Hugging Face model folder (config.json,
/// model.safetensors, tokenizer files when known) plus optimizer.safetensors (AdamW m and v) and
/// trainer_state.json. A checkpoint is written into a temporary folder and renamed into place, then
/// <c>checkpoints/latest</c> is updated atomically: a crash never leaves a half-written checkpoint as latest.
/// <c>checksums.json</c> records the size and SHA-256 of every file and is verified on resume.
/// </summary>
internal sealed class CheckpointStore
{
    /// <summary>Creates a store for a run folder.</summary>
    public CheckpointStore(string runDir) => Root = Path.Combine(runDir, "checkpoints");

    /// <summary>The checkpoints folder.</summary>
    public string Root { get; }

    /// <summary>Folder name for a step.</summary>
    public static string NameOf(long step) => $"step-{step.ToString("D7", CultureInfo.InvariantCulture)}";

    /// <summary>Saves a checkpoint and returns its folder.</summary>
    public unsafe string Save(LlamaModel model, AdamW adam, TrainerState state, string? tokenizerDir)
    {
        Directory.CreateDirectory(Root);
        string final = Path.Combine(Root, NameOf(state.Step));
        string tmp = final + ".partial";
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        Directory.CreateDirectory(tmp);
        HfModelFolder.Save(model, tmp);
        long n = model.Layout.TotalLength;
        SafeTensorsWriter.Write(Path.Combine(tmp, "optimizer.safetensors"),
            [TensorSource.FromPointer("adamw.m", [n], adam.M.Ptr), TensorSource.FromPointer("adamw.v", [n], adam.V.Ptr)],
            SafeTensorsDType.F32, new Dictionary<string, string> { ["format"] = "sift", ["adam_step"] = adam.Step.ToString(CultureInfo.InvariantCulture) });
        AtomicFile.WriteAllText(Path.Combine(tmp, "trainer_state.json"), state.ToJson());
        if (tokenizerDir is not null)
        {
            foreach (string f in new[] { "tokenizer.json", "tokenizer_config.json" })
            {
                string src = Path.Combine(tokenizerDir, f);
                if (File.Exists(src))
                {
                    File.Copy(src, Path.Combine(tmp, f), overwrite: true);
                }
            }
        }
        CheckpointChecksums.Write(tmp);
        if (Directory.Exists(final))
        {
            Directory.Delete(final, recursive: true);
        }
        Directory.Move(tmp, final);
        AtomicFile.WriteAllText(Path.Combine(Root, "latest"), NameOf(state.Step) + "\n");
        return final;
    }

    /// <summary>The latest complete checkpoint folder, or null.</summary>
    public string? Latest()
    {
        string pointer = Path.Combine(Root, "latest");
        if (File.Exists(pointer))
        {
            string dir = Path.Combine(Root, File.ReadAllText(pointer).Trim());
            if (File.Exists(Path.Combine(dir, "trainer_state.json")))
            {
                return dir;
            }
        }
        return List().LastOrDefault();
    }

    /// <summary>Complete checkpoints in step order.</summary>
    public IReadOnlyList<string> List() =>
        !Directory.Exists(Root) ? [] :
        Directory.GetDirectories(Root, "step-*")
            .Where(d => !d.EndsWith(".partial", StringComparison.Ordinal) && File.Exists(Path.Combine(d, "trainer_state.json")))
            .OrderBy(d => d, StringComparer.Ordinal).ToList();

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints.</summary>
    public void Prune(int keep)
    {
        var all = List();
        for (int i = 0; i < all.Count - keep; i++)
        {
            Directory.Delete(all[i], recursive: true);
        }
    }

    /// <summary>Restores weights and optimizer moments from a checkpoint folder; returns its trainer state.</summary>
    /// <exception cref="SiftException">A file is missing, truncated or corrupted (see <see cref="CheckpointChecksums"/>), or the model differs.</exception>
    public static unsafe TrainerState Restore(string dir, LlamaModel model, AdamW adam)
    {
        CheckpointChecksums.Verify(dir);
        using (var st = ShardedSafeTensors.Open(dir))
        {
            HfModelFolder.LoadWeights(model, st, dir);
        }
        var loadedCfg = LlamaConfig.Load(Path.Combine(dir, "config.json"));
        if (loadedCfg with { TorchDtype = model.Config.TorchDtype } != model.Config)
        {
            throw new SiftException($"{dir}: the checkpoint's config.json does not match the recipe's model");
        }
        string optPath = Path.Combine(dir, "optimizer.safetensors");
        using (var opt = SafeTensorsFile.Open(optPath))
        {
            long n = model.Layout.TotalLength;
            opt.ReadAsFloat32("adamw.m", adam.M.Ptr, n);
            opt.ReadAsFloat32("adamw.v", adam.V.Ptr, n);
        }
        var state = TrainerState.Load(Path.Combine(dir, "trainer_state.json"));
        adam.Step = state.AdamStep;
        return state;
    }
}
