using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ClientMonitor.LocalHost;

/// <summary>
/// Calls one <c>[Function]</c> method the way the isolated worker does: an instance of its class from the app's
/// services per invocation (none for a static method), the trigger's value for the trigger parameter, the Durable
/// client for a <c>[DurableClient]</c> parameter, and the invocation's cancellation token. A parameter of any other
/// kind fails start-up, so a function the local host cannot call is never silently skipped.
/// </summary>
public sealed class FunctionInvoker
{
    private readonly ParameterInfo[] _parameters;

    public FunctionInvoker(FunctionMetadata function)
    {
        ArgumentNullException.ThrowIfNull(function);
        Function = function;
        var assembly = Assembly.Load(new AssemblyName(Path.GetFileNameWithoutExtension(function.ScriptFile)));
        var split = function.EntryPoint.LastIndexOf('.');
        var type = assembly.GetType(function.EntryPoint[..split], throwOnError: true)!;
        Method = type.GetMethod(function.EntryPoint[(split + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{function.Name}: no public method {function.EntryPoint}.");
        _parameters = Method.GetParameters();
        var trigger = function.Trigger;
        var durableClients = function.Bindings.Where(b => b.Type == "durableClient").Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var parameter in _parameters)
        {
            var bindable = parameter.Name == trigger.Name
                || (durableClients.Contains(parameter.Name!) && parameter.ParameterType == typeof(DurableTaskClient))
                || parameter.ParameterType == typeof(CancellationToken);
            if (!bindable)
            {
                throw new InvalidOperationException($"{function.Name}: the local host cannot bind parameter '{parameter.Name}' ({parameter.ParameterType.Name}).");
            }
        }

        var returns = Method.ReturnType;
        ResultType = returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>) ? returns.GetGenericArguments()[0] : typeof(void);
    }

    public FunctionMetadata Function { get; }

    public MethodInfo Method { get; }

    /// <summary>What the function returns once awaited (<c>void</c> for a plain <see cref="Task"/>).</summary>
    public Type ResultType { get; }

    /// <summary>The declared type of the trigger parameter (an activity's input, for example).</summary>
    public Type TriggerType => _parameters.Single(p => p.Name == Function.Trigger.Name).ParameterType;

    /// <param name="services">The invocation's services (a scope).</param>
    /// <param name="trigger">The trigger's value.</param>
    /// <param name="cancellationToken">The invocation's cancellation.</param>
    public async Task<object?> InvokeAsync(IServiceProvider services, object? trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (_parameters.Any(p => p.ParameterType == typeof(DurableTaskClient)))
        {
            // The engine starts in the background; a function that uses its client waits for it.
            await services.GetRequiredService<Durable.LocalDurableEngineHost>().Ready.WaitAsync(cancellationToken);
        }

        var arguments = _parameters.Select(p => p.Name == Function.Trigger.Name
            ? trigger
            : p.ParameterType == typeof(CancellationToken) ? cancellationToken : services.GetRequiredService<DurableTaskClient>()).ToArray();
        var instance = Method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, Method.DeclaringType!);
        object? returned;
        try
        {
            returned = Method.Invoke(instance, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }

        if (returned is not Task task)
        {
            return returned;
        }

        // No ConfigureAwait(false): an orchestrator must resume on the engine's scheduler, or its instance never completes.
        await task;
        return ResultType == typeof(void) ? null : task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
    }

    /// <summary>Writes an HTTP function's result, as the ASP.NET Core integration does for an <see cref="IActionResult"/>.</summary>
    public static Task WriteResultAsync(HttpContext context, object? result)
    {
        ArgumentNullException.ThrowIfNull(context);
        return result is IActionResult action
            ? action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()))
            : Task.CompletedTask;
    }
}
