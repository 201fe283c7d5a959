using System.Text;
using Sift.Core;

namespace Sift.Pipelines.Config;

/// <summary>What a setting is to a run: whether it changes results, points at data, only changes speed, or neither.</summary>
internal enum SettingRole
{
    /// <summary>Changes what is trained or measured (compared on resume, part of stage keys).</summary>
    Result,

    /// <summary>A data location (compared on resume; stage keys use the upstream stage's key instead).</summary>
    Path,

    /// <summary>Changes speed and float rounding only: threads, GEMM backend (compared on resume, not part of stage keys).</summary>
    Runtime,

    /// <summary>Names, folders and bookkeeping (never compared).</summary>
    Bookkeeping,
}

/// <summary>One key of a settings table: its name, help, kind, where its value lives on <typeparamref name="T"/>, and its default.</summary>
/// <typeparam name="T">The options record the table fills.</typeparam>
internal abstract class Setting<T>
{
    /// <summary>Dotted key ("train.seq_len").</summary>
    public required string Key { get; init; }

    /// <summary>One line of help.</summary>
    public required string Help { get; init; }

    /// <summary>What the value means to a run.</summary>
    public SettingRole Role { get; init; } = SettingRole.Result;

    /// <summary>The default, or the rule that derives it, for help ("0.003", "optim.lr / 10").</summary>
    public abstract string DefaultText { get; }

    /// <summary>What the key accepts.</summary>
    public abstract string Domain { get; }

    /// <summary>Parses <paramref name="raw"/> and sets it; errors name <paramref name="where"/> and the key.</summary>
    public abstract T Apply(T target, string raw, string where);

    /// <summary>Sets the default (which may depend on settings earlier in the table).</summary>
    public abstract T ApplyDefault(T target);

    /// <summary>The current value's canonical text, or null when unset.</summary>
    public abstract string? Format(T target);
}

/// <summary>A typed setting: getter, setter (a <c>with</c> expression), kind and default.</summary>
internal sealed class Setting<T, TValue> : Setting<T>
{
    /// <summary>Reads the value.</summary>
    public required Func<T, TValue> Get { get; init; }

    /// <summary>Returns the target with the value set.</summary>
    public required Func<T, TValue, T> Set { get; init; }

    /// <summary>Accepted values and canonical text.</summary>
    public required ValueKind<TValue> Kind { get; init; }

    /// <summary>The default, computed from the target as resolved so far (settings earlier in the table).</summary>
    public required Func<T, TValue> Default { get; init; }

    /// <summary>Help text for a derived default; null shows the default of a fresh target.</summary>
    public string? DefaultRule { get; init; }

    /// <summary>A fresh target, to show constant defaults in help.</summary>
    public Func<T>? Fresh { get; init; }

    /// <inheritdoc />
    public override string DefaultText => DefaultRule ?? (Fresh is null ? "" : Kind.Format(Default(Fresh())) is var s && s == "null" ? "unset" : Kind.Format(Default(Fresh())));

    /// <inheritdoc />
    public override string Domain => Kind.Domain;

    /// <inheritdoc />
    public override T Apply(T target, string raw, string where)
    {
        if (!Kind.TryParse(raw, out TValue value, out string? error))
        {
            throw new SiftException($"{where}: {Key}: {error}");
        }
        return Set(target, value);
    }

    /// <inheritdoc />
    public override T ApplyDefault(T target) => Set(target, Default(target));

    /// <inheritdoc />
    public override string? Format(T target)
    {
        TValue v = Get(target);
        return v is null ? null : Kind.Format(v) is var s && s == "null" ? null : s;
    }
}

/// <summary>
/// A table of settings: each key declared once with its kind, default, role and help. Reading a recipe, writing it
/// back, listing the keys, comparing two runs and stage keys all come from the table.
/// </summary>
/// <typeparam name="T">The options record.</typeparam>
internal sealed class SettingsTable<T>(IReadOnlyList<Setting<T>> settings)
{
    private readonly Dictionary<string, Setting<T>> _byKey = settings.ToDictionary(s => s.Key, StringComparer.Ordinal);

    /// <summary>Settings in table order (the order of recipe.resolved.yaml).</summary>
    public IReadOnlyList<Setting<T>> Settings { get; } = settings;

    /// <summary>The setting of a key, or null.</summary>
    public Setting<T>? Find(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>True when the table has the key.</summary>
    public bool Has(string key) => _byKey.ContainsKey(key);

    /// <summary>
    /// Resolves every key in table order: a given value (raw text, with where it came from) or the default. Returns the
    /// target and the raw text of every given key, so values are written back as the user wrote them.
    /// </summary>
    public (T Value, IReadOnlyDictionary<string, string> Given) Resolve(T start, IReadOnlyDictionary<string, (string Raw, string Where)> given)
    {
        foreach (var key in given.Keys)
        {
            if (!_byKey.ContainsKey(key))
            {
                throw UnknownKey(key, given[key].Where);
            }
        }
        T t = start;
        var raws = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in Settings)
        {
            if (given.TryGetValue(s.Key, out var g))
            {
                t = s.Apply(t, g.Raw, g.Where);
                raws[s.Key] = g.Raw;
            }
            else
            {
                t = s.ApplyDefault(t);
            }
        }
        return (t, raws);
    }

    /// <summary>Sets one key on an already resolved target (no defaults are re-derived).</summary>
    public T Apply(T target, string key, string raw, string where) =>
        (Find(key) ?? throw UnknownKey(key, where)).Apply(target, raw, where);

    /// <summary>The error for an unknown key, with the closest known keys.</summary>
    public SiftException UnknownKey(string key, string where)
    {
        var close = Settings.Select(s => s.Key).Select(k => (k, d: Distance(k, key))).Where(x => x.d <= Math.Max(2, key.Length / 4))
            .OrderBy(x => x.d).ThenBy(x => x.k, StringComparer.Ordinal).Take(3).Select(x => x.k).ToList();
        // A key whose last part matches (select_ratio → train.select_ratio) is the usual slip after a rename.
        string tail = key[(key.LastIndexOf('.') + 1)..];
        close.AddRange(Settings.Select(s => s.Key).Where(k => k.EndsWith("." + tail, StringComparison.Ordinal) && !close.Contains(k)).Take(2));
        return new SiftException($"{where}: unknown key '{key}'" + (close.Count > 0 ? $"; did you mean {string.Join(" or ", close)}?" : "") + " (--list-keys shows every key)");
    }

    /// <summary>key → canonical value text of every set key whose role passes <paramref name="include"/>, sorted by key.</summary>
    public SortedDictionary<string, string> Values(T target, Func<SettingRole, bool> include)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in Settings.Where(s => include(s.Role)))
        {
            if (s.Format(target) is string v)
            {
                d[s.Key] = v;
            }
        }
        return d;
    }

    /// <summary>Nested YAML of every set key in table order; given keys keep the user's text.</summary>
    public string ToYaml(T target, IReadOnlyDictionary<string, string> given)
    {
        var sb = new StringBuilder();
        string[] open = [];
        foreach (var s in Settings)
        {
            string? v = given.TryGetValue(s.Key, out string? raw) ? raw : s.Format(target);
            if (v is null)
            {
                continue;
            }
            string[] parts = s.Key.Split('.');
            int common = 0;
            while (common < open.Length && common < parts.Length - 1 && open[common] == parts[common])
            {
                common++;
            }
            for (int i = common; i < parts.Length - 1; i++)
            {
                sb.Append(' ', 2 * i).Append(parts[i]).Append(":\n");
            }
            open = parts[..^1];
            sb.Append(' ', 2 * (parts.Length - 1)).Append(parts[^1]).Append(": ").Append(Yaml(v)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>One line per key: key, default, accepted values, help.</summary>
    public string List(Func<Setting<T>, bool>? filter = null, Func<Setting<T>, string>? defaultText = null)
    {
        var rows = Settings.Where(s => filter?.Invoke(s) ?? true).ToList();
        int w = rows.Max(s => s.Key.Length) + 2;
        var sb = new StringBuilder();
        foreach (var s in rows)
        {
            string def = defaultText?.Invoke(s) ?? s.DefaultText;
            sb.Append(s.Key.PadRight(w)).Append(s.Help);
            sb.Append(" [default: ").Append(def.Length == 0 ? "unset" : def).Append("; ").Append(s.Domain).Append("]\n");
        }
        return sb.ToString();
    }

    private static string Yaml(string v) =>
        v.Length == 0 || v.IndexOfAny([':', '#', '\'', '"', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`']) >= 0 || v != v.Trim()
            ? "'" + v.Replace("'", "''", StringComparison.Ordinal) + "'"
            : v;

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }
        return d[a.Length, b.Length];
    }
}
