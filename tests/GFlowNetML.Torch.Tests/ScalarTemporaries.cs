using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace GFlowNetML.Torch.Tests;

/// <summary>
/// Finds the TorchSharp <see cref="Scalar"/> temporaries that can be finalized during the native call that reads them.
/// A <see cref="Scalar"/> owns a native handle and has a finalizer; TorchSharp's tensor methods read <c>alpha.Handle</c>
/// and call into libtorch without <c>GC.KeepAlive(alpha)</c>, so a Scalar that nothing else references (the result of an
/// implicit conversion such as <c>t.add_(g, alpha: 0.1)</c>, or of an inline <c>x.ToScalar()</c>) may be freed by the
/// finalizer thread while libtorch still reads it: "Expected false to be true" from <c>c10::Scalar::toFloat</c> or worse.
/// The safe form is a <c>using var</c> local (its Dispose after the call keeps it alive) or a field of a live owner.
/// </summary>
/// <remarks>Shared with GFlowNetML.Cli.Tests (linked source file).</remarks>
internal static class ScalarTemporaries
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>One line per offending call site: "Type.Method: what".</summary>
    public static List<string> Find(Assembly assembly)
    {
        var offences = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                byte[]? il;
                try { il = method.GetMethodBody()?.GetILAsByteArray(); }
                catch (InvalidOperationException) { continue; }
                if (il is null) continue;
                foreach (var what in Scan(method, il)) offences.Add($"{type.FullName}.{method.Name}: {what}");
            }
        }
        return offences;
    }

    private static IEnumerable<string> Scan(MethodBase method, byte[] il)
    {
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            var (op, operand, next) = Read(il, at);
            if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj || op == OpCodes.Ldftn || op == OpCodes.Ldvirtftn)
            {
                MethodBase? callee;
                try { callee = method.Module.ResolveMethod(operand, typeArgs, methodArgs); }
                catch (ArgumentException) { callee = null; }
                if (IsImplicitConversion(callee))
                    yield return $"implicit conversion {Describe(callee!)} at IL_{at:X4}";
                else if (IsToScalar(callee) && !StoresResult(il, next))
                    yield return $"{Describe(callee!)} at IL_{at:X4} not stored (an inline temporary)";
                else if (callee is not null && callee.DeclaringType?.Assembly == TorchSharpAssembly && ConvertsInside(callee) is { } inner)
                    yield return $"{Describe(callee)} at IL_{at:X4}, which makes a Scalar temporary inside TorchSharp ({inner})";
            }
            at = next;
        }
    }

    private static readonly Assembly TorchSharpAssembly = typeof(Scalar).Assembly;
    private static readonly Dictionary<MethodBase, string?> InsideTorchSharp = [];

    /// <summary>How deep the search follows TorchSharp's own calls (<c>a + b</c> → <c>add(b)</c> → <c>add(b, 1)</c>).</summary>
    private const int MaxDepth = 3;

    private static bool IsImplicitConversion(MethodBase? m) => m?.DeclaringType == typeof(Scalar) && m.Name == "op_Implicit";

    private static bool IsToScalar(MethodBase? m)
        => m is MethodInfo info && info.ReturnType == typeof(Scalar) && m.DeclaringType == typeof(ScalarExtensionMethods);

    /// <summary>For a TorchSharp method (an operator such as <c>Tensor * double</c>, or an overload taking a number):
    /// the first number-to-Scalar conversion in its body, which nothing there keeps alive across the native call
    /// (TorchSharp never calls <c>GC.KeepAlive</c> on Scalars); null when it makes none.</summary>
    private static string? ConvertsInside(MethodBase method, int depth = 0)
    {
        lock (InsideTorchSharp)
        {
            if (InsideTorchSharp.TryGetValue(method, out var known)) return known;
            InsideTorchSharp[method] = null; // a recursion guard until the answer is known
            string? found = null;
            byte[]? il = null;
            try { il = method.GetMethodBody()?.GetILAsByteArray(); }
            catch (InvalidOperationException) { }
            Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
            Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
            for (int at = 0; il is not null && at < il.Length && found is null;)
            {
                var (op, operand, next) = Read(il, at);
                if (op == OpCodes.Call || op == OpCodes.Callvirt)
                {
                    MethodBase? callee;
                    try { callee = method.Module.ResolveMethod(operand, typeArgs, methodArgs); }
                    catch (ArgumentException) { callee = null; }
                    if (IsImplicitConversion(callee) || IsToScalar(callee)) found = Describe(callee!);
                    else if (callee is not null && depth < MaxDepth && callee.DeclaringType?.Assembly == TorchSharpAssembly
                             && ConvertsInside(callee, depth + 1) is { } inner)
                        found = $"{Describe(callee)} → {inner}";
                }
                at = next;
            }
            InsideTorchSharp[method] = found;
            return found;
        }
    }

    /// <summary>Whether the instruction at <paramref name="at"/> stores the value on the stack into a local or field.</summary>
    private static bool StoresResult(byte[] il, int at)
    {
        if (at >= il.Length) return false;
        var (op, _, _) = Read(il, at);
        return op == OpCodes.Stloc || op == OpCodes.Stloc_S || op == OpCodes.Stloc_0 || op == OpCodes.Stloc_1
               || op == OpCodes.Stloc_2 || op == OpCodes.Stloc_3 || op == OpCodes.Stfld || op == OpCodes.Stsfld;
    }

    private static string Describe(MethodBase m)
        => $"{m.DeclaringType?.Name}.{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    private static (OpCode Op, int Token, int Next) Read(byte[] il, int at)
    {
        short value = il[at];
        int pos = at + 1;
        if (value == 0xFE) { value = unchecked((short)(0xFE00 | il[pos])); pos++; }
        var op = OpCodesByValue[value];
        int token = 0;
        switch (op.OperandType)
        {
            case OperandType.InlineNone: break;
            case OperandType.ShortInlineBrTarget:
            case OperandType.ShortInlineI:
            case OperandType.ShortInlineVar: pos += 1; break;
            case OperandType.InlineVar: pos += 2; break;
            case OperandType.InlineI8:
            case OperandType.InlineR: pos += 8; break;
            case OperandType.InlineSwitch: pos += 4 + 4 * BitConverter.ToInt32(il, pos); break;
            case OperandType.ShortInlineR:
            case OperandType.InlineBrTarget:
            case OperandType.InlineI: pos += 4; break;
            default: token = BitConverter.ToInt32(il, pos); pos += 4; break; // method, field, type, string, sig, tok
        }
        return (op, token, pos);
    }
}
