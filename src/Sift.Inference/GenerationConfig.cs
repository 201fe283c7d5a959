using System.Text.Json;
using Sift.Core;

namespace Sift.Inference;

/// <summary>What a model folder's generation_config.json says about ending generation.</summary>
internal static class GenerationConfig
{
    /// <summary>EOS plus generation_config.json's eos_token_id (one id or a list), within the vocabulary.</summary>
    public static IReadOnlyCollection<int> StopIds(string dir, int? eos, int vocab)
    {
        var set = new HashSet<int>();
        if (eos is int e0)
        {
            set.Add(e0);
        }
        string gen = Path.Combine(dir, "generation_config.json");
        if (File.Exists(gen))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(gen));
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("eos_token_id", out var e))
                {
                    if (e.TryGetInt32(out int one))
                    {
                        set.Add(one);
                    }
                    else if (e.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var x in e.EnumerateArray())
                        {
                            if (x.TryGetInt32(out int id))
                            {
                                set.Add(id);
                            }
                        }
                    }
                }
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{gen}: invalid JSON: {ex.Message}");
            }
        }
        set.RemoveWhere(id => (uint)id >= (uint)vocab);
        return set;
    }
}
