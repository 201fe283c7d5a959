using System.Globalization;
using System.Text;

namespace Sift.Inference.Chat.Jinja;

/// <summary>Jinja's undefined value: renders as "", is false, and "is defined" is false.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new();

    private Undefined()
    {
    }
}

/// <summary>A callable value (a global such as raise_exception, a macro, or a bound string/dict method).</summary>
internal delegate object? JinjaFunction(List<object?> args, Dictionary<string, object?> kwargs);

/// <summary>
/// A compiled Jinja template (the subset HF chat templates use; see <see cref="JinjaParser"/>). Values are Python-like:
/// null (None), bool, long, double, string, List&lt;object?&gt;, Dictionary&lt;string, object?&gt;; attribute access on a
/// dict falls back to its key, as in Jinja. Rendering is sandboxed: no I/O, loops bounded by their data, output capped.
/// </summary>
public sealed class JinjaTemplate
{
    private const int MaxOutput = 4 << 20;
    private readonly List<Node> _nodes;

    private JinjaTemplate(List<Node> nodes) => _nodes = nodes;

    /// <summary>Parses a template; throws <see cref="JinjaException"/> on syntax it does not support.</summary>
    public static JinjaTemplate Parse(string source) => new(JinjaParser.Parse(source));

    /// <summary>Renders with the given top-level variables.</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        var r = new Renderer();
        var globals = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["raise_exception"] = (JinjaFunction)((a, _) => throw new JinjaException(a.Count > 0 ? Renderer.Str(a[0]) : "raise_exception")),
            ["namespace"] = (JinjaFunction)((_, kw) => new Dictionary<string, object?>(kw, StringComparer.Ordinal)),
            ["range"] = (JinjaFunction)((a, _) => Renderer.Range(a)),
            ["strftime_now"] = (JinjaFunction)((a, _) => Renderer.Strftime(a.Count > 0 ? Renderer.Str(a[0]) : "%Y-%m-%d")),
        };
        foreach (var (k, v) in variables)
        {
            globals[k] = v;
        }
        r.Scopes.Add(globals);
        r.Exec(_nodes);
        return r.Out.ToString();
    }

    private sealed class LoopControl(bool isBreak) : Exception
    {
        public bool IsBreak { get; } = isBreak;
    }

    private sealed class Renderer
    {
        public readonly StringBuilder Out = new();
        public readonly List<Dictionary<string, object?>> Scopes = [];

        public void Exec(List<Node> nodes)
        {
            foreach (var n in nodes)
            {
                Exec(n);
            }
        }

        private void Exec(Node n)
        {
            switch (n)
            {
                case TextNode t:
                    Write(t.Text);
                    break;
                case OutputNode o:
                    Write(Str(Eval(o.Value)));
                    break;
                case IfNode i:
                    foreach (var (cond, body) in i.Branches)
                    {
                        if (Truthy(Eval(cond)))
                        {
                            Exec(body);
                            return;
                        }
                    }
                    Exec(i.Else);
                    break;
                case ForNode f:
                    For(f);
                    break;
                case SetNode s:
                    Set(s);
                    break;
                case MacroNode m:
                    Scopes[^1][m.Name] = Macro(m);
                    break;
                case BreakNode:
                    throw new LoopControl(true);
                case ContinueNode:
                    throw new LoopControl(false);
                default:
                    throw new JinjaException($"cannot render {n.GetType().Name}");
            }
        }

        private void Write(string s)
        {
            Out.Append(s);
            if (Out.Length > MaxOutput)
            {
                throw new JinjaException($"the template rendered more than {MaxOutput} characters");
            }
        }

        private void For(ForNode f)
        {
            var items = Iterate(Eval(f.Iterable)).ToList();
            if (f.Filter is not null)
            {
                items = items.Where(x =>
                {
                    var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
                    Bind(scope, f.Targets, x);
                    Scopes.Add(scope);
                    try
                    {
                        return Truthy(Eval(f.Filter));
                    }
                    finally
                    {
                        Scopes.RemoveAt(Scopes.Count - 1);
                    }
                }).ToList();
            }
            if (items.Count == 0)
            {
                Exec(f.Else);
                return;
            }
            // A for loop has its own scope: a plain {% set %} inside it does not leak out (use namespace()).
            var loopScope = new Dictionary<string, object?>(StringComparer.Ordinal);
            Scopes.Add(loopScope);
            try
            {
                for (int i = 0; i < items.Count; i++)
                {
                    loopScope.Clear();
                    Bind(loopScope, f.Targets, items[i]);
                    loopScope["loop"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                    {
                        ["index"] = (long)(i + 1),
                        ["index0"] = (long)i,
                        ["revindex"] = (long)(items.Count - i),
                        ["revindex0"] = (long)(items.Count - i - 1),
                        ["first"] = i == 0,
                        ["last"] = i == items.Count - 1,
                        ["length"] = (long)items.Count,
                        ["previtem"] = i > 0 ? items[i - 1] : Undefined.Instance,
                        ["nextitem"] = i + 1 < items.Count ? items[i + 1] : Undefined.Instance,
                    };
                    try
                    {
                        Exec(f.Body);
                    }
                    catch (LoopControl c)
                    {
                        if (c.IsBreak)
                        {
                            break;
                        }
                    }
                }
            }
            finally
            {
                Scopes.RemoveAt(Scopes.Count - 1);
            }
        }

        private static void Bind(Dictionary<string, object?> scope, List<string> targets, object? item)
        {
            if (targets.Count == 1)
            {
                scope[targets[0]] = item;
                return;
            }
            var parts = Iterate(item).ToList();
            if (parts.Count != targets.Count)
            {
                throw new JinjaException($"cannot unpack {parts.Count} values into {targets.Count} names");
            }
            for (int i = 0; i < targets.Count; i++)
            {
                scope[targets[i]] = parts[i];
            }
        }

        private void Set(SetNode s)
        {
            object? value;
            if (s.Body is not null)
            {
                int mark = Out.Length;
                Exec(s.Body);
                value = Out.ToString(mark, Out.Length - mark);
                Out.Length = mark;
            }
            else
            {
                value = Eval(s.Value!);
            }
            if (s.Attr is not null)
            {
                if (Lookup(s.Targets[0]) is Dictionary<string, object?> ns)
                {
                    ns[s.Attr] = value;
                    return;
                }
                throw new JinjaException($"cannot set attribute '{s.Attr}' of '{s.Targets[0]}' (not a namespace)");
            }
            Bind(Scopes[^1], s.Targets, value);
        }

        private JinjaFunction Macro(MacroNode m) => (args, kwargs) =>
        {
            var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (int i = 0; i < m.Params.Count; i++)
            {
                var (name, def) = m.Params[i];
                scope[name] = i < args.Count ? args[i] : kwargs.TryGetValue(name, out var kv) ? kv : def is null ? Undefined.Instance : Eval(def);
            }
            int mark = Out.Length;
            Scopes.Add(scope);
            try
            {
                Exec(m.Body);
            }
            finally
            {
                Scopes.RemoveAt(Scopes.Count - 1);
            }
            string text = Out.ToString(mark, Out.Length - mark);
            Out.Length = mark;
            return text;
        };

        private object? Lookup(string name)
        {
            for (int i = Scopes.Count - 1; i >= 0; i--)
            {
                if (Scopes[i].TryGetValue(name, out var v))
                {
                    return v;
                }
            }
            return Undefined.Instance;
        }

        private object? Eval(Expr e)
        {
            switch (e)
            {
                case Literal l:
                    return l.Value;
                case NameRef n:
                    return Lookup(n.Name);
                case GetAttr g:
                    return Attr(Eval(g.Target), g.Attr);
                case GetItem gi:
                    return Item(Eval(gi.Target), Eval(gi.Index));
                case SliceExpr s:
                    return Slice(Eval(s.Target), s.Start is null ? null : Eval(s.Start), s.Stop is null ? null : Eval(s.Stop), s.Step is null ? null : Eval(s.Step));
                case CallExpr c:
                    {
                        var f = Eval(c.Target) as JinjaFunction ?? throw new JinjaException($"{Describe(c.Target)} is not callable");
                        return f(c.Args.Select(Eval).ToList(), c.Kwargs.ToDictionary(k => k.Key, k => Eval(k.Value), StringComparer.Ordinal));
                    }
                case FilterExpr f:
                    return Filter(f.Name, Eval(f.Target), f.Args.Select(Eval).ToList(), f.Kwargs.ToDictionary(k => k.Key, k => Eval(k.Value), StringComparer.Ordinal));
                case TestExpr t:
                    return Test(t.Name, Eval(t.Target), t.Args.Select(Eval).ToList()) != t.Negate;
                case UnaryExpr u:
                    {
                        var v = Eval(u.Operand);
                        return u.Op switch
                        {
                            "not" => !Truthy(v),
                            "-" => v is long i ? (object)(-i) : -Num(v),
                            _ => v,
                        };
                    }
                case BinaryExpr b:
                    return Binary(b);
                case CondExpr c:
                    return Truthy(Eval(c.Test)) ? Eval(c.Then) : c.Else is null ? Undefined.Instance : Eval(c.Else);
                case ListExpr l:
                    return l.Items.Select(Eval).ToList();
                case DictExpr d:
                    {
                        var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                        foreach (var (k, v) in d.Items)
                        {
                            dict[Str(Eval(k))] = Eval(v);
                        }
                        return dict;
                    }
                default:
                    throw new JinjaException($"cannot evaluate {e.GetType().Name}");
            }
        }

        private object? Binary(BinaryExpr b)
        {
            if (b.Op == "and")
            {
                var l = Eval(b.Left);
                return Truthy(l) ? Eval(b.Right) : l;
            }
            if (b.Op == "or")
            {
                var l = Eval(b.Left);
                return Truthy(l) ? l : Eval(b.Right);
            }
            var x = Eval(b.Left);
            var y = Eval(b.Right);
            switch (b.Op)
            {
                case "~":
                    return Str(x) + Str(y);
                case "+":
                    if (x is string xs && y is string ys)
                    {
                        return xs + ys;
                    }
                    if (x is List<object?> xl && y is List<object?> yl)
                    {
                        return xl.Concat(yl).ToList();
                    }
                    if (x is string || y is string)
                    {
                        throw new JinjaException($"cannot add {TypeName(x)} and {TypeName(y)}");
                    }
                    return Arith(x, y, (p, q) => p + q, (p, q) => p + q);
                case "-":
                    return Arith(x, y, (p, q) => p - q, (p, q) => p - q);
                case "*":
                    if (x is string s && y is long times)
                    {
                        return string.Concat(Enumerable.Repeat(s, (int)Math.Clamp(times, 0, 10000)));
                    }
                    return Arith(x, y, (p, q) => p * q, (p, q) => p * q);
                case "/":
                    return Num(y) == 0 ? throw new JinjaException("division by zero") : Num(x) / Num(y);
                case "//":
                    if (x is long a && y is long c)
                    {
                        return c == 0 ? throw new JinjaException("division by zero") : (long)Math.Floor((double)a / c);
                    }
                    return Math.Floor(Num(x) / Num(y));
                case "%":
                    if (x is long m && y is long n)
                    {
                        return n == 0 ? throw new JinjaException("modulo by zero") : ((m % n) + n) % n;
                    }
                    return Num(x) % Num(y);
                case "**":
                    return x is long pb && y is long pe && pe >= 0 ? (object)(long)Math.Pow(pb, pe) : Math.Pow(Num(x), Num(y));
                case "==":
                    return Eq(x, y);
                case "!=":
                    return !Eq(x, y);
                case "<":
                    return Cmp(x, y) < 0;
                case ">":
                    return Cmp(x, y) > 0;
                case "<=":
                    return Cmp(x, y) <= 0;
                case ">=":
                    return Cmp(x, y) >= 0;
                case "in":
                    return y switch
                    {
                        string hay => x is string needle ? hay.Contains(needle, StringComparison.Ordinal) : throw new JinjaException("'in <string>' needs a string"),
                        List<object?> list => list.Any(v => Eq(v, x)),
                        Dictionary<string, object?> d => x is string k && d.ContainsKey(k),
                        Undefined or null => false,
                        _ => throw new JinjaException($"'in' needs a string, list or dict, got {TypeName(y)}"),
                    };
                default:
                    throw new JinjaException($"unknown operator {b.Op}");
            }
        }

        private static object Arith(object? x, object? y, Func<long, long, long> onLong, Func<double, double, double> onDouble)
        {
            if (x is long a && y is long b)
            {
                return onLong(a, b);
            }
            return onDouble(Num(x), Num(y));
        }

        private static double Num(object? v) => v switch
        {
            long l => l,
            double d => d,
            bool b => b ? 1 : 0,
            _ => throw new JinjaException($"expected a number, got {TypeName(v)}"),
        };

        public static bool Truthy(object? v) => v switch
        {
            null or Undefined => false,
            bool b => b,
            long l => l != 0,
            double d => d != 0,
            string s => s.Length > 0,
            List<object?> l => l.Count > 0,
            Dictionary<string, object?> d => d.Count > 0,
            _ => true,
        };

        private static bool Eq(object? x, object? y)
        {
            if (x is null or Undefined || y is null or Undefined)
            {
                return (x is null && y is null) || (x is Undefined && y is Undefined);
            }
            if (IsNumber(x) && IsNumber(y))
            {
                return Num(x) == Num(y);
            }
            if (x is string a && y is string b)
            {
                return a == b;
            }
            if (x is List<object?> l && y is List<object?> m)
            {
                return l.Count == m.Count && l.Zip(m).All(p => Eq(p.First, p.Second));
            }
            return ReferenceEquals(x, y);
        }

        private static bool IsNumber(object? v) => v is long or double or bool;

        private static int Cmp(object? x, object? y)
        {
            if (IsNumber(x) && IsNumber(y))
            {
                return Num(x).CompareTo(Num(y));
            }
            if (x is string a && y is string b)
            {
                return string.CompareOrdinal(a, b);
            }
            throw new JinjaException($"cannot compare {TypeName(x)} with {TypeName(y)}");
        }

        private static object? Attr(object? target, string name)
        {
            switch (target)
            {
                case Dictionary<string, object?> d:
                    if (d.TryGetValue(name, out var v))
                    {
                        return v;
                    }
                    return name switch
                    {
                        "items" => (JinjaFunction)((_, _) => d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()),
                        "keys" => (JinjaFunction)((_, _) => d.Keys.Select(k => (object?)k).ToList()),
                        "values" => (JinjaFunction)((_, _) => d.Values.ToList()),
                        "get" => (JinjaFunction)((a, _) => a.Count > 0 && a[0] is string k && d.TryGetValue(k, out var gv) ? gv : a.Count > 1 ? a[1] : null),
                        _ => Undefined.Instance,
                    };
                case string s:
                    return StringMethod(s, name);
                case List<object?> l when name == "append":
                    return (JinjaFunction)((a, _) =>
                    {
                        l.Add(a.Count > 0 ? a[0] : null);
                        return Undefined.Instance;
                    });
                case null or Undefined:
                    return Undefined.Instance;
                default:
                    return Undefined.Instance;
            }
        }

        private static object? StringMethod(string s, string name) => name switch
        {
            "strip" => (JinjaFunction)((a, _) => a.Count > 0 && a[0] is string cs ? s.Trim(cs.ToCharArray()) : s.Trim()),
            "lstrip" => (JinjaFunction)((a, _) => a.Count > 0 && a[0] is string cs ? s.TrimStart(cs.ToCharArray()) : s.TrimStart()),
            "rstrip" => (JinjaFunction)((a, _) => a.Count > 0 && a[0] is string cs ? s.TrimEnd(cs.ToCharArray()) : s.TrimEnd()),
            "upper" => (JinjaFunction)((_, _) => s.ToUpperInvariant()),
            "lower" => (JinjaFunction)((_, _) => s.ToLowerInvariant()),
            "title" => (JinjaFunction)((_, _) => Title(s)),
            "capitalize" => (JinjaFunction)((_, _) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant()),
            "startswith" => (JinjaFunction)((a, _) => a.Count > 0 && (a[0] is string p ? s.StartsWith(p, StringComparison.Ordinal) : a[0] is List<object?> ps && ps.Any(x => x is string q && s.StartsWith(q, StringComparison.Ordinal)))),
            "endswith" => (JinjaFunction)((a, _) => a.Count > 0 && (a[0] is string p ? s.EndsWith(p, StringComparison.Ordinal) : a[0] is List<object?> ps && ps.Any(x => x is string q && s.EndsWith(q, StringComparison.Ordinal)))),
            "split" => (JinjaFunction)((a, _) => (a.Count > 0 && a[0] is string sep
                ? s.Split(sep)
                : s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Select(x => (object?)x).ToList()),
            "replace" => (JinjaFunction)((a, _) => a.Count >= 2 && a[0] is string o && o.Length > 0 ? s.Replace(o, Str(a[1]), StringComparison.Ordinal) : s),
            "find" => (JinjaFunction)((a, _) => a.Count > 0 && a[0] is string n ? (long)s.IndexOf(n, StringComparison.Ordinal) : -1L),
            "count" => (JinjaFunction)((a, _) => a.Count > 0 && a[0] is string n && n.Length > 0 ? (long)((s.Length - s.Replace(n, "", StringComparison.Ordinal).Length) / n.Length) : 0L),
            _ => Undefined.Instance,
        };

        private static string Title(string s)
        {
            var sb = new StringBuilder(s.Length);
            bool start = true;
            foreach (char c in s)
            {
                sb.Append(start ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
                start = !char.IsLetter(c);
            }
            return sb.ToString();
        }

        private static object? Item(object? target, object? index)
        {
            switch (target)
            {
                case Dictionary<string, object?> d:
                    return index is string k && d.TryGetValue(k, out var v) ? v : index is string name ? Attr(d, name) : Undefined.Instance;
                case List<object?> l when index is long i:
                    i = i < 0 ? l.Count + i : i;
                    return i >= 0 && i < l.Count ? l[(int)i] : Undefined.Instance;
                case string s when index is long i:
                    i = i < 0 ? s.Length + i : i;
                    return i >= 0 && i < s.Length ? s[(int)i].ToString() : Undefined.Instance;
                case string s when index is string method:
                    return StringMethod(s, method);
                default:
                    return Undefined.Instance;
            }
        }

        private static object? Slice(object? target, object? start, object? stop, object? step)
        {
            long st = step is long sv ? sv : 1;
            if (st == 0)
            {
                throw new JinjaException("slice step cannot be zero");
            }
            List<object?> items = target switch
            {
                List<object?> l => l,
                string s => s.Select(c => (object?)c.ToString()).ToList(),
                _ => throw new JinjaException($"cannot slice {TypeName(target)}"),
            };
            int n = items.Count;
            long Norm(object? v, long def)
            {
                if (v is not long x)
                {
                    return def;
                }
                if (x < 0)
                {
                    x += n;
                }
                return st > 0 ? Math.Clamp(x, 0, n) : Math.Clamp(x, -1, n - 1);
            }
            long a = Norm(start, st > 0 ? 0 : n - 1), b = Norm(stop, st > 0 ? n : -1);
            var result = new List<object?>();
            for (long i = a; st > 0 ? i < b : i > b; i += st)
            {
                result.Add(items[(int)i]);
            }
            return target is string ? string.Concat(result.Select(x => (string)x!)) : result;
        }

        private object? Filter(string name, object? v, List<object?> a, Dictionary<string, object?> kw)
        {
            switch (name)
            {
                case "trim":
                    return Str(v).Trim();
                case "length" or "count":
                    return v switch
                    {
                        string s => (long)s.Length,
                        List<object?> l => (long)l.Count,
                        Dictionary<string, object?> dict => (long)dict.Count,
                        _ => 0L,
                    };
                case "lower":
                    return Str(v).ToLowerInvariant();
                case "upper":
                    return Str(v).ToUpperInvariant();
                case "title":
                    return Title(Str(v));
                case "capitalize":
                    return StringMethod(Str(v), "capitalize") is JinjaFunction f ? f([], []) : v;
                case "string":
                    return Str(v);
                case "safe":
                    return v;
                case "int":
                    return v switch
                    {
                        long l => l,
                        double dv => (long)dv,
                        string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long p) => p,
                        _ => a.Count > 0 ? a[0] : 0L,
                    };
                case "float":
                    return v is long or double ? Num(v) : double.TryParse(Str(v), NumberStyles.Float, CultureInfo.InvariantCulture, out double pd) ? pd : 0.0;
                case "default" or "d":
                    {
                        bool boolean = a.Count > 1 && Truthy(a[1]) || kw.TryGetValue("boolean", out var bv) && Truthy(bv);
                        return v is Undefined || (boolean && !Truthy(v)) ? (a.Count > 0 ? a[0] : "") : v;
                    }
                case "first":
                    return Iterate(v).FirstOrDefault(Undefined.Instance);
                case "last":
                    return v is List<object?> { Count: > 0 } ll ? ll[^1] : v is string { Length: > 0 } ls ? ls[^1].ToString() : Undefined.Instance;
                case "list":
                    return Iterate(v).ToList();
                case "reverse":
                    return v is string rs ? new string(rs.Reverse().ToArray()) : Iterate(v).Reverse().ToList();
                case "join":
                    return string.Join(a.Count > 0 ? Str(a[0]) : "", Iterate(v).Select(Str));
                case "replace":
                    return a.Count >= 2 && Str(a[0]).Length > 0 ? Str(v).Replace(Str(a[0]), Str(a[1]), StringComparison.Ordinal) : Str(v);
                case "items":
                    return v is Dictionary<string, object?> d ? d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList() : new List<object?>();
                case "tojson":
                    {
                        var sb = new StringBuilder();
                        int? indent = kw.TryGetValue("indent", out var iv) && iv is long il ? (int)il : a.Count > 0 && a[0] is long ia ? (int)ia : null;
                        Json(sb, v, indent, 0);
                        return sb.ToString();
                    }
                case "map" when kw.TryGetValue("attribute", out var attr) && attr is string an:
                    return Iterate(v).Select(x => Item(x, an)).ToList();
                case "selectattr" or "rejectattr" when a.Count > 0 && a[0] is string sa:
                    {
                        bool keep = name == "selectattr";
                        return Iterate(v).Where(x =>
                        {
                            var val = Item(x, sa);
                            bool ok = a.Count > 1 ? Test(Str(a[1]), val, a.Skip(2).ToList()) : Truthy(val);
                            return ok == keep;
                        }).ToList();
                    }
                default:
                    throw new JinjaException($"unsupported filter '{name}'");
            }
        }

        private static bool Test(string name, object? v, List<object?> a) => name switch
        {
            "defined" => v is not Undefined,
            "undefined" => v is Undefined,
            "none" => v is null,
            "string" => v is string,
            "number" => v is long or double,
            "integer" => v is long,
            "float" => v is double,
            "boolean" => v is bool,
            "true" => v is true,
            "false" => v is false,
            "mapping" => v is Dictionary<string, object?>,
            "sequence" => v is List<object?> or string,
            "iterable" => v is List<object?> or string or Dictionary<string, object?>,
            "callable" => v is JinjaFunction,
            "equalto" or "eq" or "sameas" => a.Count > 0 && Eq(v, a[0]),
            "ne" => a.Count > 0 && !Eq(v, a[0]),
            "even" => v is long e && e % 2 == 0,
            "odd" => v is long o && o % 2 != 0,
            "divisibleby" => v is long dv && a.Count > 0 && a[0] is long dn && dn != 0 && dv % dn == 0,
            _ => throw new JinjaException($"unsupported test '{name}'"),
        };

        private static IEnumerable<object?> Iterate(object? v) => v switch
        {
            List<object?> l => l,
            string s => s.Select(c => (object?)c.ToString()),
            Dictionary<string, object?> d => d.Keys.Select(k => (object?)k),
            null or Undefined => [],
            _ => throw new JinjaException($"cannot iterate over {TypeName(v)}"),
        };

        public static object Range(List<object?> a)
        {
            long start = 0, stop, step = 1;
            if (a.Count == 1)
            {
                stop = (long)Num(a[0]);
            }
            else if (a.Count >= 2)
            {
                start = (long)Num(a[0]);
                stop = (long)Num(a[1]);
                step = a.Count > 2 ? (long)Num(a[2]) : 1;
            }
            else
            {
                throw new JinjaException("range() needs an argument");
            }
            if (step == 0)
            {
                throw new JinjaException("range() step cannot be zero");
            }
            var list = new List<object?>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step)
            {
                list.Add(i);
                if (list.Count > 100_000)
                {
                    throw new JinjaException("range() too long");
                }
            }
            return list;
        }

        public static string Strftime(string fmt)
        {
            var now = DateTime.UtcNow;
            var sb = new StringBuilder();
            for (int i = 0; i < fmt.Length; i++)
            {
                if (fmt[i] != '%' || i + 1 >= fmt.Length)
                {
                    sb.Append(fmt[i]);
                    continue;
                }
                char c = fmt[++i];
                sb.Append(c switch
                {
                    'd' => now.ToString("dd", CultureInfo.InvariantCulture),
                    'm' => now.ToString("MM", CultureInfo.InvariantCulture),
                    'Y' => now.ToString("yyyy", CultureInfo.InvariantCulture),
                    'y' => now.ToString("yy", CultureInfo.InvariantCulture),
                    'b' => now.ToString("MMM", CultureInfo.InvariantCulture),
                    'B' => now.ToString("MMMM", CultureInfo.InvariantCulture),
                    'H' => now.ToString("HH", CultureInfo.InvariantCulture),
                    'M' => now.ToString("mm", CultureInfo.InvariantCulture),
                    'S' => now.ToString("ss", CultureInfo.InvariantCulture),
                    '%' => "%",
                    _ => "%" + c,
                });
            }
            return sb.ToString();
        }

        /// <summary>Python's str(): None → "None", True → "True", lists and dicts in repr form.</summary>
        public static string Str(object? v) => v switch
        {
            null => "None",
            Undefined => "",
            string s => s,
            bool b => b ? "True" : "False",
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => Math.Floor(d) == d && Math.Abs(d) < 1e16 ? d.ToString("0.0", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture),
            List<object?> l => "[" + string.Join(", ", l.Select(Repr)) + "]",
            Dictionary<string, object?> d => "{" + string.Join(", ", d.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}",
            _ => v.ToString() ?? "",
        };

        private static string Repr(object? v) => v is string s ? "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'" : Str(v);

        // json.dumps(v, ensure_ascii=False, indent=indent) as HF's tojson does.
        private static void Json(StringBuilder sb, object? v, int? indent, int depth)
        {
            switch (v)
            {
                case null or Undefined:
                    sb.Append("null");
                    break;
                case bool b:
                    sb.Append(b ? "true" : "false");
                    break;
                case long or double:
                    sb.Append(Str(v));
                    break;
                case string s:
                    sb.Append('"');
                    foreach (char c in s)
                    {
                        sb.Append(c switch
                        {
                            '"' => "\\\"",
                            '\\' => "\\\\",
                            '\n' => "\\n",
                            '\r' => "\\r",
                            '\t' => "\\t",
                            _ when c < 0x20 => $"\\u{(int)c:x4}",
                            _ => c.ToString(),
                        });
                    }
                    sb.Append('"');
                    break;
                case List<object?> l:
                    Container(sb, '[', ']', l.Count, indent, depth, i => Json(sb, l[i], indent, depth + 1));
                    break;
                case Dictionary<string, object?> d:
                    {
                        var pairs = d.ToList();
                        Container(sb, '{', '}', pairs.Count, indent, depth, i =>
                        {
                            Json(sb, pairs[i].Key, indent, depth + 1);
                            sb.Append(": ");
                            Json(sb, pairs[i].Value, indent, depth + 1);
                        });
                        break;
                    }
                default:
                    Json(sb, Str(v), indent, depth);
                    break;
            }
        }

        private static void Container(StringBuilder sb, char open, char close, int count, int? indent, int depth, Action<int> item)
        {
            sb.Append(open);
            for (int i = 0; i < count; i++)
            {
                if (indent is int ind)
                {
                    sb.Append('\n').Append(' ', ind * (depth + 1));
                }
                else if (i > 0)
                {
                    sb.Append(' ');
                }
                item(i);
                if (i + 1 < count)
                {
                    sb.Append(',');
                }
            }
            if (indent is int ind2 && count > 0)
            {
                sb.Append('\n').Append(' ', ind2 * depth);
            }
            sb.Append(close);
        }

        private static string TypeName(object? v) => v switch
        {
            null => "None",
            Undefined => "undefined",
            string => "a string",
            long => "an integer",
            double => "a float",
            bool => "a boolean",
            List<object?> => "a list",
            Dictionary<string, object?> => "a dict",
            _ => v.GetType().Name,
        };

        private static string Describe(Expr e) => e switch
        {
            NameRef n => $"'{n.Name}'",
            GetAttr g => $"'.{g.Attr}'",
            _ => "the expression",
        };
    }
}
