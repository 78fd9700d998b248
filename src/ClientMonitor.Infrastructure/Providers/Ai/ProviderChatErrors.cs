using System.ClientModel;
using Anthropic.Exceptions;
using Microsoft.Extensions.AI;

namespace ClientMonitor.Infrastructure.Providers.Ai;

/// <summary>
/// The first handler of every LLM SDK's HTTP client: an error answer leaves as <see cref="ProviderHttpException"/>
/// with its status, the start of its body and its Retry-After, mapped exactly as the REST adapters map theirs
/// (<see cref="ProviderHttp"/>). The SDKs let a foreign exception through untouched, so the gateway sees the same
/// exception from OpenAI, Azure OpenAI and Anthropic, which neither <c>ClientResultException</c> nor Anthropic's
/// exceptions (no headers, so no Retry-After) would give it.
/// </summary>
internal sealed class ProviderStatusHandler(string provider, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new ProviderHttpException(provider, response.StatusCode, ProviderHttp.Detail(body), ProviderHttp.RetryAfter(response, time));
        }
    }
}

/// <summary>
/// Wraps an SDK's chat client: network failures, which each SDK wraps in its own exception, leave as
/// <see cref="HttpRequestException"/> so that the gateway retries them. Disposing it disposes the SDK client's HTTP
/// resources. Streaming is not wrapped: the classifier and insights never stream.
/// </summary>
internal sealed class ProviderChatClient(IChatClient inner, IDisposable owned) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (ClientResultException ex) when (ex.InnerException is HttpRequestException network)
        {
            throw new HttpRequestException(network.Message, ex);
        }
        catch (AnthropicIOException ex)
        {
            throw new HttpRequestException(ex.Message, ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            owned.Dispose();
        }

        base.Dispose(disposing);
    }
}
