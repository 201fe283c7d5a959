using System.Text.Json;

namespace Sift.Serving.Protocol;

/// <summary>
/// A request the server refuses, with the OpenAI error shape:
/// {"error": {"message", "type", "param", "code"}}. Bad input is 400 and never a 500.
/// </summary>
public sealed class ApiException(int status, string message, string? param = null, string type = "invalid_request_error", string? code = null)
    : Exception(message)
{
    /// <summary>HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The request field at fault, when there is one.</summary>
    public string? Param { get; } = param;

    /// <summary>OpenAI error type.</summary>
    public string Type { get; } = type;

    /// <summary>Machine-readable code.</summary>
    public string? Code { get; } = code;

    /// <summary>Seconds to send as Retry-After (429/503).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>A 400 naming the field.</summary>
    public static ApiException Bad(string message, string? param = null) => new(400, message, param);

    /// <summary>Writes the error object.</summary>
    public static void WriteBody(Utf8JsonWriter w, string message, string type, string? param, string? code)
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", message);
        w.WriteString("type", type);
        if (param is null)
        {
            w.WriteNull("param");
        }
        else
        {
            w.WriteString("param", param);
        }
        if (code is null)
        {
            w.WriteNull("code");
        }
        else
        {
            w.WriteString("code", code);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
