using System.Text.Json;
using Sift.Core;

namespace Sift.Engine.IO;

/// <summary>
/// A Hugging Face checkpoint's tensors, whether stored as one model.safetensors or as shards listed in
/// model.safetensors.index.json. On open every shard is checked to exist and to hold each tensor the
/// index maps to it. Lookups and reads then work across shards as on a single file.
/// </summary>
public sealed unsafe class ShardedSafeTensors : ISafeTensorsReader
{
    private readonly List<SafeTensorsFile> _files;
    private readonly Dictionary<string, SafeTensorsFile> _owner;
    private readonly Dictionary<string, TensorInfo> _tensors;

    private ShardedSafeTensors(string? indexPath, List<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> owner)
    {
        IndexPath = indexPath;
        _files = files;
        _owner = owner;
        _tensors = owner.ToDictionary(kv => kv.Key, kv => kv.Value.Tensors[kv.Key], StringComparer.Ordinal);
    }

    /// <summary>The index file, or null for a single-file checkpoint.</summary>
    public string? IndexPath { get; }

    /// <summary>The open files, in index order of first appearance (one entry for a single file).</summary>
    public IReadOnlyList<SafeTensorsFile> Files => _files;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, TensorInfo> Tensors => _tensors;

    /// <summary>The "__metadata__" of the first file.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _files.Count > 0 ? _files[0].Metadata : new Dictionary<string, string>();

    /// <summary>
    /// Opens a checkpoint: a folder (model.safetensors is preferred, as transformers does, else the index),
    /// an index .json file, or a single .safetensors file.
    /// </summary>
    public static ShardedSafeTensors Open(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            string single = Path.Combine(full, SafeTensorsNames.SingleFile);
            string index = Path.Combine(full, SafeTensorsNames.IndexFile);
            if (File.Exists(single))
            {
                return OpenSingle(single);
            }

            if (File.Exists(index))
            {
                return OpenIndex(index);
            }

            throw new SiftException(
                $"{full}: folder has neither {SafeTensorsNames.SingleFile} nor {SafeTensorsNames.IndexFile}");
        }

        return full.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? OpenIndex(full) : OpenSingle(full);
    }

    private static ShardedSafeTensors OpenSingle(string file)
    {
        SafeTensorsFile f = SafeTensorsFile.Open(file);
        var owner = f.Tensors.Keys.ToDictionary(k => k, _ => f, StringComparer.Ordinal);
        return new ShardedSafeTensors(null, [f], owner);
    }

    private static ShardedSafeTensors OpenIndex(string indexPath)
    {
        Dictionary<string, string> weightMap = ReadWeightMap(indexPath);
        string dir = Path.GetDirectoryName(indexPath) ?? ".";

        // Check every shard exists before mapping any, so the error lists the first missing file cheaply.
        var shardNames = weightMap.Values.Distinct(StringComparer.Ordinal).ToList();
        foreach (string shard in shardNames)
        {
            string shardPath = Path.Combine(dir, shard);
            if (!File.Exists(shardPath))
            {
                throw new SiftException($"{indexPath}: shard file '{shard}' listed in weight_map does not exist (expected {shardPath})");
            }
        }

        var files = new List<SafeTensorsFile>();
        try
        {
            var byShard = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (string shard in shardNames)
            {
                SafeTensorsFile f = SafeTensorsFile.Open(Path.Combine(dir, shard));
                files.Add(f);
                byShard.Add(shard, f);
            }

            var owner = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var (tensor, shard) in weightMap)
            {
                SafeTensorsFile f = byShard[shard];
                if (!f.Tensors.ContainsKey(tensor))
                {
                    throw new SiftException($"{indexPath}: weight_map puts tensor '{tensor}' in '{shard}', but that shard has no such tensor");
                }

                owner.Add(tensor, f);
            }

            return new ShardedSafeTensors(indexPath, files, owner);
        }
        catch
        {
            foreach (SafeTensorsFile f in files)
            {
                f.Dispose();
            }

            throw;
        }
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        if (!File.Exists(indexPath))
        {
            throw new SiftException($"{indexPath}: safetensors index file not found");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        }
        catch (JsonException e)
        {
            throw new SiftException($"{indexPath}: index is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out JsonElement map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new SiftException($"{indexPath}: expected an object with a \"weight_map\" object");
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    throw new SiftException($"{indexPath}: weight_map.\"{p.Name}\" must be a shard file name string, found {p.Value.ValueKind}");
                }

                string shard = p.Value.GetString()!;
                if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new SiftException($"{indexPath}: weight_map.\"{p.Name}\" = \"{shard}\" must be a plain file name in the index's folder");
                }

                if (!result.TryAdd(p.Name, shard))
                {
                    throw new SiftException($"{indexPath}: weight_map lists tensor '{p.Name}' twice");
                }
            }

            return result;
        }
    }

    /// <summary>The file holding <paramref name="name"/>.</summary>
    public SafeTensorsFile FileOf(string name)
    {
        if (!_owner.TryGetValue(name, out SafeTensorsFile? f))
        {
            throw new SiftException($"{IndexPath ?? _files[0].Path}: no tensor named '{name}' (the checkpoint has {_owner.Count} tensors)");
        }

        return f;
    }

    /// <inheritdoc/>
    public TensorInfo GetTensor(string name) => FileOf(name).GetTensor(name);

    /// <inheritdoc/>
    public void ReadAsFloat32(string name, Span<float> destination) => FileOf(name).ReadAsFloat32(name, destination);

    /// <summary>Pointer form for native buffers; <paramref name="length"/> must equal the element count.</summary>
    public void ReadAsFloat32(string name, float* destination, long length) => FileOf(name).ReadAsFloat32(name, destination, length);

    /// <summary>Allocates and returns the tensor as float32.</summary>
    public float[] ReadAsFloat32(string name) => FileOf(name).ReadAsFloat32(name);

    /// <inheritdoc/>
    public ReadOnlySpan<byte> RawBytes(string name) => FileOf(name).RawBytes(name);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (SafeTensorsFile f in _files)
        {
            f.Dispose();
        }
    }
}
