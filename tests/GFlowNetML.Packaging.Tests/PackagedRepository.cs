using System.Reflection;

namespace GFlowNetML.Packaging.Tests;

/// <summary>
/// One pack of the repository shared by every test of the assembly: the packages in a temporary folder, an empty
/// NUGET_PACKAGES, and a NuGet.config whose only sources are that folder (for GFlowNetML's packages, by source mapping, so
/// that no older copy can stand in) and the machine's global packages folder for everything else (read as a local feed, so
/// nothing is downloaded). Deleted when the assembly's tests end.
/// </summary>
[TestClass]
public static class PackagedRepository
{
    /// <summary>The version every package carries (Directory.Build.props).</summary>
    public const string Version = "0.2.0";

    /// <summary>The temporary root holding the feed, the empty cache and the throw-away projects.</summary>
    public static string Root { get; private set; } = "";

    /// <summary>The folder the packages were packed into.</summary>
    public static string Feed => Path.Combine(Root, "feed");

    /// <summary>The NuGet.config every command here uses (via the working directory or <c>--configfile</c>).</summary>
    public static string NuGetConfig => Path.Combine(Root, "NuGet.config");

    /// <summary>The repository checkout.</summary>
    public static string Repository { get; } = FindRepository();

    /// <summary>The output of <c>dotnet pack</c>.</summary>
    public static ProcessRunner.Result Pack { get; private set; } = null!;

    /// <summary>The variables of every command: the empty package cache, no first-run noise, no telemetry.</summary>
    public static IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["NUGET_PACKAGES"] = Path.Combine(Root, "nuget-packages"),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1", ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["DOTNET_CLI_HOME"] = Path.Combine(Root, "home"), ["HOME"] = Path.Combine(Root, "home"),
        ["NUGET_HTTP_CACHE_PATH"] = Path.Combine(Root, "http-cache"),
        ["GFLOWNETML_NATIVE_CACHE"] = Path.Combine(Root, "native-cache"),
    };

    [AssemblyInitialize]
    public static void PackOnce(TestContext _)
    {
        Root = Directory.CreateTempSubdirectory("gflownetml-packaging-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "home"));
        string globalPackages = GlobalPackagesFolder();
        File.WriteAllText(NuGetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="gflownetml" value="{Feed}" />
                <add key="machine" value="{globalPackages}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="gflownetml">
                  <package pattern="GFlowNetML*" />
                  <package pattern="gflownet" />
                </packageSource>
                <packageSource key="machine">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        string configuration = typeof(PackagedRepository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        Pack = ProcessRunner.Run(ProcessRunner.Dotnet, ["pack", Path.Combine(Repository, "GFlowNetML.sln"), "-c", configuration, "--no-build", "-o", Feed],
            Repository, new Dictionary<string, string?>(), TimeSpan.FromMinutes(5)).Succeeded();
    }

    [AssemblyCleanup]
    public static void Delete()
    {
        try { if (Root.Length > 0) Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="directory"/> with the packaging <see cref="Environment"/>.</summary>
    public static ProcessRunner.Result Dotnet(string directory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? extra = null, params string[] args)
    {
        var environment = new Dictionary<string, string?>(Environment);
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) environment[k] = v;
        return ProcessRunner.Run(ProcessRunner.Dotnet, args, directory, environment, timeout);
    }

    /// <summary>Writes a throw-away console project (net10.0, no repository build files above it) and returns its folder.</summary>
    public static string ConsoleProject(string name, string packageReferences, string program)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.Copy(NuGetConfig, Path.Combine(dir, "NuGet.config"), overwrite: true);
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
            {packageReferences}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), program);
        return dir;
    }

    private static string GlobalPackagesFolder()
    {
        var result = ProcessRunner.Run(ProcessRunner.Dotnet, ["nuget", "locals", "global-packages", "--list"], Repository,
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(1)).Succeeded();
        string line = result.Output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("global-packages:", StringComparison.Ordinal));
        return line["global-packages:".Length..].Trim();
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GFlowNetML.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No GFlowNetML.sln above {AppContext.BaseDirectory}.");
    }
}
