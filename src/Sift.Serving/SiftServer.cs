using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sift.Core;
using Sift.Engine.Model;
using Sift.Inference;
using Sift.Inference.Chat;
using Sift.Serving.Endpoints;
using Sift.Serving.Engine;
using Sift.Serving.Protocol;

namespace Sift.Serving;

/// <summary>
/// `sift serve`: an OpenAI-compatible HTTP server (Kestrel) over the local engine. Routes: GET /v1/models,
/// POST /v1/completions, POST /v1/chat/completions, GET /health, GET /metrics. Every error is OpenAI-shaped JSON;
/// bad input is a 400, a full queue a 429, shutdown a 503. With a key configured, every route needs
/// "Authorization: Bearer KEY". Stopping finishes the requests in flight first.
/// </summary>
public sealed class SiftServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServedModelState _state;
    private readonly bool _ownsModel;
    private int _stopped;

    private SiftServer(WebApplication app, ServedModelState state, bool ownsModel)
    {
        _app = app;
        _state = state;
        _ownsModel = ownsModel;
    }

    /// <summary>The port bound (useful with port 0).</summary>
    public int Port { get; private set; }

    /// <summary>The OpenAI base URL, e.g. http://127.0.0.1:8000/v1/.</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The name clients send as "model".</summary>
    public string ModelName => _state.Name;

    /// <summary>Which chat template is in use (or null without a tokenizer).</summary>
    public string? ChatTemplate => _state.Chat?.Description;

    /// <summary>Request counters and the overhead window.</summary>
    public ServerMetrics Metrics => _state.Metrics;

    /// <summary>The batch engine (for benchmarks and tests).</summary>
    public BatchEngine Engine => _state.Engine;

    /// <summary>Loads a model folder and starts serving it.</summary>
    public static Task<SiftServer> StartAsync(string modelDir, ServeOptions options, int threads, string gemm = "auto", WeightFormat weights = WeightFormat.F32)
    {
        var model = LoadedModel.Open(modelDir, threads, gemm, weights);
        try
        {
            return StartAsync(model, options, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Starts serving an already loaded model.</summary>
    public static async Task<SiftServer> StartAsync(IDecoderModel model, ServeOptions options, bool ownsModel = false)
    {
        options.Validate();
        var log = options.Log ?? (s => Console.Error.WriteLine("sift serve: " + s));
        int maxLen = options.MaxModelLen ?? model.ContextLength;
        if (maxLen > model.ContextLength)
        {
            throw new SiftException($"--max-model-len {maxLen} exceeds the model's context length {model.ContextLength}");
        }
        string name = options.ServedModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(model.Source)));
        var chat = ChatPrompt.For(model, log);
        var engine = new BatchEngine(model, options.MaxBatch, options.MaxQueue, maxLen);
        var state = new ServedModelState(model, engine, chat, name, options);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        if (!options.HandleSignals)
        {
            builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.BindAddress(), options.Port);
            // A backstop; bodies are measured in HttpIo so that oversize requests get a 400 with a message.
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes + (1L << 20);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        var server = new SiftServer(app, state, ownsModel);
        app.Lifetime.ApplicationStopping.Register(() => state.Draining = true);
        app.Use(server.Guard);
        var completions = new CompletionsEndpoint(state);
        var chatEndpoint = new ChatEndpoint(state);
        app.MapPost("/v1/completions", completions.HandleAsync);
        app.MapPost("/v1/chat/completions", chatEndpoint.HandleAsync);
        app.MapGet("/v1/models", ctx => HttpIo.WriteJsonAsync(ctx.Response, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            w.WriteStartObject();
            w.WriteString("id", state.Name);
            w.WriteString("object", "model");
            w.WriteNumber("created", state.Created);
            w.WriteString("owned_by", "sift");
            w.WriteString("root", Path.GetFullPath(model.Source));
            w.WriteNumber("max_model_len", maxLen);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }, ctx.RequestAborted));
        app.MapGet("/health", ctx =>
        {
            ctx.Response.StatusCode = state.Draining ? 503 : 200;
            return Task.CompletedTask;
        });
        app.MapGet("/metrics", async ctx =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            await ctx.Response.WriteAsync(state.Metrics.Render(engine), ctx.RequestAborted).ConfigureAwait(false);
        });
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            engine.Dispose();
            throw new SiftException($"cannot listen on {options.Host}:{options.Port}: {ex.Message}");
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        string host = options.BindAddress().Equals(IPAddress.Any) || options.BindAddress().Equals(IPAddress.IPv6Any) ? "127.0.0.1" : options.Host;
        server.BaseUrl = new Uri($"http://{(host.Contains(':') ? $"[{host}]" : host)}:{server.Port}/v1/");
        log($"serving '{name}' ({model.ParameterCount:N0} parameters, context {maxLen}, batch {options.MaxBatch}, queue {options.MaxQueue}) at {server.BaseUrl}");
        log(chat is null ? "no tokenizer: prompts must be token ids; chat is off" : $"chat uses {chat.Description}");
        if (options.ApiKey is null && !options.BindAddress().Equals(IPAddress.Loopback) && !options.BindAddress().Equals(IPAddress.IPv6Loopback))
        {
            log("warning: listening beyond loopback without an API key (set --api-key-env)");
        }
        return server;
    }

    // Auth, draining, unknown routes and the error policy, around every request.
    private async Task Guard(HttpContext ctx, RequestDelegate next)
    {
        string route = ctx.Request.Path.Value ?? "";
        try
        {
            if (_state.Options.ApiKey is { } key && !Authorized(ctx.Request, key))
            {
                throw new ApiException(401, "missing or wrong API key: send the header 'Authorization: Bearer <key>'", type: "invalid_request_error", code: "invalid_api_key");
            }
            if (ctx.GetEndpoint() is null)
            {
                throw new ApiException(404, $"no route {ctx.Request.Method} {route}; this server has GET /v1/models, POST /v1/completions, POST /v1/chat/completions, GET /health, GET /metrics",
                    type: "invalid_request_error", code: "not_found");
            }
            await next(ctx).ConfigureAwait(false);
            if (ctx.Response.StatusCode == 405 && !ctx.Response.HasStarted)
            {
                throw new ApiException(405, $"{ctx.Request.Method} is not allowed on {route}", type: "invalid_request_error", code: "method_not_allowed");
            }
        }
        catch (ApiException e)
        {
            await Fail(ctx, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away; its jobs were cancelled and nobody is listening.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_state.Options.Log ?? Console.Error.WriteLine)($"sift serve: internal error on {ctx.Request.Method} {route}: {e}");
            await Fail(ctx, new ApiException(500, $"internal server error: {e.Message}", type: "server_error")).ConfigureAwait(false);
        }
        finally
        {
            _state.Metrics.Request(route, ctx.Response.StatusCode);
        }
    }

    private static async Task Fail(HttpContext ctx, ApiException e)
    {
        if (ctx.Response.HasStarted)
        {
            // A stream already sent 200: report the error in-band, as vLLM does, then end the stream.
            try
            {
                await ctx.Response.Body.WriteAsync(HttpIo.Event(w => ApiException.WriteBody(w, e.Message, e.Type, e.Param, e.Code))).ConfigureAwait(false);
                await ctx.Response.Body.WriteAsync(HttpIo.Done).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The connection is gone.
            }
            return;
        }
        ctx.Response.Clear();
        await HttpIo.WriteErrorAsync(ctx.Response, e, CancellationToken.None).ConfigureAwait(false);
    }

    private static bool Authorized(HttpRequest req, string key)
    {
        string header = req.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        byte[] given = Encoding.UTF8.GetBytes(header[bearer.Length..].Trim());
        byte[] expected = Encoding.UTF8.GetBytes(key);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>Waits until the host is told to stop (Ctrl-C / SIGTERM with HandleSignals).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    /// <summary>
    /// Graceful stop: refuses new requests (503), lets requests in flight finish (up to the shutdown timeout), then
    /// stops the engine.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        _state.Draining = true;
        await _app.StopAsync().ConfigureAwait(false);
        _state.Engine.Stop();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _state.Engine.Dispose();
        if (_ownsModel)
        {
            _state.Model.Dispose();
        }
    }

    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
