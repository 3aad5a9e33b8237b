using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GFlowNetML.Docs.Tests;

/// <summary>Compiles a snippet as a top-level-statements console program and runs it in this process.</summary>
internal static class SnippetRunner
{
    /// <summary>The SDK's implicit usings for a console project (Microsoft.NET.Sdk with ImplicitUsings enabled).</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>This process's assemblies: the trusted platform assemblies (the framework and, through the test's deps.json,
    /// its packages) plus every managed dll beside the tests; one reference per file name, the first seen.</summary>
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
    {
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var local = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll");
        var byName = new Dictionary<string, MetadataReference>(StringComparer.OrdinalIgnoreCase);
        foreach (string path in tpa.Concat(local))
        {
            string name = Path.GetFileName(path);
            if (byName.ContainsKey(name) || !IsManagedAssembly(path)) continue;
            byName[name] = MetadataReference.CreateFromFile(path);
        }
        return byName.Values.ToList();
    });

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            return pe.HasMetadata && pe.GetMetadataReader().IsAssembly;
        }
        catch (BadImageFormatException) { return false; }
        catch (IOException) { return false; }
    }

    /// <summary>Compiles <paramref name="snippet"/>; returns the assembly's bytes, or throws an
    /// <see cref="AssertFailedException"/> listing every error at its markdown line.</summary>
    public static byte[] Compile(MarkdownSnippet snippet)
    {
        var code = CSharpSyntaxTree.ParseText(snippet.Code, ParseOptions, path: snippet.File);
        var usings = CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "ImplicitUsings.cs");
        var compilation = CSharpCompilation.Create(
            "Snippet_" + Guid.NewGuid().ToString("N"),
            [usings, code],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release));
        using var pe = new MemoryStream();
        var emitted = compilation.Emit(pe);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!emitted.Success || errors.Count > 0)
        {
            var lines = errors.Select(d =>
            {
                var span = d.Location.GetLineSpan();
                string where = span.Path == snippet.File
                    ? $"{snippet.File}:{snippet.Line + 1 + span.StartLinePosition.Line}:{span.StartLinePosition.Character + 1}"
                    : span.Path;
                return $"{where}: {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            });
            throw new AssertFailedException($"The C# block at {snippet.Id} does not compile:\n{string.Join('\n', lines)}");
        }
        return pe.ToArray();
    }

    /// <summary>Loads <paramref name="image"/> into a collectible context that resolves every reference to this process's
    /// assemblies, runs its entry point with the working directory in a temporary folder, and returns what it wrote to
    /// Console.Out.</summary>
    public static string Run(MarkdownSnippet snippet, byte[] image)
    {
        var context = new SnippetLoadContext();
        string directory = Path.Combine(Path.GetTempPath(), "gfn-docs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string oldDirectory = Environment.CurrentDirectory;
        TextWriter oldOut = Console.Out;
        var output = new StringWriter();
        try
        {
            var assembly = context.LoadFromStream(new MemoryStream(image));
            var entry = assembly.EntryPoint ?? throw new AssertFailedException($"{snippet.Id}: the program has no entry point.");
            Environment.CurrentDirectory = directory;
            Console.SetOut(output);
            object? result = entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
            if (result is Task task) task.GetAwaiter().GetResult();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            Console.SetOut(oldOut);
            throw new AssertFailedException($"The C# block at {snippet.Id} threw {e.InnerException.GetType().Name}: "
                + $"{e.InnerException.Message}\n{e.InnerException.StackTrace}\n--- its output ---\n{output}");
        }
        finally
        {
            Console.SetOut(oldOut);
            Environment.CurrentDirectory = oldDirectory;
            context.Unload();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return output.ToString();
    }

    /// <summary>Collectible; any assembly the snippet names is the one already loaded in this process (or that the default
    /// context loads), so the snippet shares the test's types, statics and native libraries.</summary>
    private sealed class SnippetLoadContext() : AssemblyLoadContext("snippet", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName name)
            => AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(name, a.GetName())
                   && GetLoadContext(a) == Default)
               ?? Default.LoadFromAssemblyName(name);
    }
}
