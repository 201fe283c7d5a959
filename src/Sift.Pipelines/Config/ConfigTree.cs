using System.Globalization;
using Sift.Core;
using YamlDotNet.RepresentationModel;

namespace Sift.Pipelines.Config;

/// <summary>
/// A YAML mapping read into nested dictionaries with source positions, plus <c>--set a.b=value</c> overrides.
/// Typed readers consume keys; <see cref="EnsureAllConsumed"/> then reports any unknown key (typos are the
/// most common recipe error) with its file and line.
/// </summary>
internal sealed class ConfigTree
{
    private readonly Dictionary<string, (string? Value, string Where)> _scalars = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    private ConfigTree(string source) => Source = source;

    /// <summary>Where the config came from (file name), for messages.</summary>
    public string Source { get; }

    /// <summary>Parses YAML text whose top level is a mapping.</summary>
    public static ConfigTree Parse(string yaml, string source)
    {
        var tree = new ConfigTree(source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new SiftException($"{source}:{ex.Start.Line}: invalid YAML: {ex.InnerException?.Message ?? ex.Message}");
        }
        if (stream.Documents.Count == 0)
        {
            return tree;
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SiftException($"{source}: the recipe must be a YAML mapping of sections (model:, data:, train:, ...)");
        }
        tree.Flatten(root, "");
        return tree;
    }

    /// <summary>Loads a YAML file.</summary>
    public static ConfigTree Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: recipe file not found");
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Applies <c>key.path=value</c> overrides (value parsed as a YAML scalar).</summary>
    public void ApplyOverrides(IEnumerable<string> sets)
    {
        foreach (string s in sets)
        {
            int eq = s.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new SiftException($"--set '{s}': expected key.path=value, e.g. --set train.max_steps=100");
            }
            string key = s[..eq].Trim();
            string value = s[(eq + 1)..].Trim();
            _scalars[key] = (value.Length == 0 || value is "null" or "~" ? null : value, $"--set {key}");
        }
    }

    /// <summary>Every key with a value (null values count as unset), with where it was set; marks them all consumed.</summary>
    public IReadOnlyDictionary<string, (string Raw, string Where)> Given()
    {
        var d = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var (k, (v, where)) in _scalars)
        {
            _consumed.Add(k);
            if (v is not null)
            {
                d[k] = (v, where);
            }
        }
        return d;
    }

    /// <summary>True when the key is present (even if null).</summary>
    public bool Has(string key) => _scalars.ContainsKey(key);

    /// <summary>All keys, resolved (for writing the resolved config).</summary>
    public IEnumerable<KeyValuePair<string, string?>> All => _scalars.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value.Value));

    /// <summary>A string value, or the default.</summary>
    public string? String(string key, string? def = null)
    {
        _consumed.Add(key);
        return _scalars.TryGetValue(key, out var v) ? v.Value ?? def : def;
    }

    /// <summary>An integer value, or the default; errors name the key and where it was set.</summary>
    public long Long(string key, long def, long min = long.MinValue, long max = long.MaxValue)
    {
        string? s = String(key);
        if (s is null)
        {
            return def;
        }
        string clean = s.Replace("_", "", StringComparison.Ordinal);
        if (!long.TryParse(clean, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
        {
            if (double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e18)
            {
                v = (long)d;
            }
            else
            {
                throw Error(key, $"expected an integer, got '{s}'");
            }
        }
        if (v < min || v > max)
        {
            throw Error(key, $"expected an integer in [{min}, {(max == long.MaxValue ? "∞" : max)}], got {v}");
        }
        return v;
    }

    /// <summary>An int value.</summary>
    public int Int(string key, int def, int min = int.MinValue, int max = int.MaxValue) => (int)Long(key, def, min, max);

    /// <summary>A floating-point value.</summary>
    public double Double(string key, double def, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        string? s = String(key);
        if (s is null)
        {
            return def;
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            throw Error(key, $"expected a number, got '{s}'");
        }
        if (v < min || v > max)
        {
            throw Error(key, $"expected a number in [{min}, {max}], got {v}");
        }
        return v;
    }

    /// <summary>A boolean value.</summary>
    public bool Bool(string key, bool def)
    {
        string? s = String(key);
        return s is null ? def : s.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" or "1" => true,
            "false" or "no" or "off" or "0" => false,
            _ => throw Error(key, $"expected true or false, got '{s}'"),
        };
    }

    /// <summary>One of a fixed set of words.</summary>
    public string Choice(string key, string def, params string[] allowed)
    {
        string v = String(key, def)!;
        if (!allowed.Contains(v, StringComparer.Ordinal))
        {
            throw Error(key, $"expected one of {string.Join(", ", allowed)}, got '{v}'");
        }
        return v;
    }

    /// <summary>Throws for any key that no reader asked for.</summary>
    public void EnsureAllConsumed()
    {
        var unknown = _scalars.Keys.Where(k => !_consumed.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            var (_, where) = _scalars[unknown[0]];
            throw new SiftException($"{where}: unknown key '{unknown[0]}'{(unknown.Count > 1 ? $" (and {unknown.Count - 1} more: {string.Join(", ", unknown.Skip(1).Take(4))})" : "")}; see `sift train --help` for the recipe keys");
        }
    }

    /// <summary>An error for a key, naming where its value came from.</summary>
    public SiftException Error(string key, string message)
    {
        string where = _scalars.TryGetValue(key, out var v) ? v.Where : Source;
        return new SiftException($"{where}: {key}: {message}");
    }

    private void Flatten(YamlMappingNode map, string prefix)
    {
        foreach (var (k, v) in map.Children)
        {
            string name = prefix + ((YamlScalarNode)k).Value;
            string where = $"{Source}:{k.Start.Line}";
            switch (v)
            {
                case YamlMappingNode m:
                    Flatten(m, name + ".");
                    break;
                case YamlScalarNode s:
                    bool isNull = s.Style == YamlDotNet.Core.ScalarStyle.Plain && (s.Value is null or "" or "null" or "~");
                    _scalars[name] = (isNull ? null : s.Value, where);
                    break;
                case YamlSequenceNode seq:
                    _scalars[name] = (string.Join(",", seq.Children.Select(c => (c as YamlScalarNode)?.Value
                        ?? throw new SiftException($"{where}: {name}: expected a list of plain values"))), where);
                    break;
            }
        }
    }
}
