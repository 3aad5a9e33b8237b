using GFlowNetML.Evaluation;
using System.Globalization;
using GFlowNetML.Environments;
using GFlowNetML.Onnx;
using GFlowNetML.Parameters;
using GFlowNetML.Torch.Export;
using Spectre.Console;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet export</c>: writes the forward policy of a training checkpoint as an ONNX sampler model.</summary>
internal static class ExportCommand
{
    private static readonly ParameterDeclaration Checkpoint = Text("checkpoint", "DIR", "the --out folder of 'gflownet train --checkpoint-every K'", noDefault: "required");
    private static readonly ParameterDeclaration Out = Text("out", "model.onnx", "the ONNX sampler model to write", noDefault: "required");

    /// <summary>The option table of <c>gflownet export</c>.</summary>
    public static readonly OptionTable Table = new("export", [new("Options:", [Checkpoint, Out])]);

    /// <summary>The help text, from the option table.</summary>
    public static string Help => Table.Help("""
        gflownet export --checkpoint DIR --out model.onnx
        Writes the forward policy saved in DIR (the --out folder of 'gflownet train --checkpoint-every K') as one ONNX
        sampler model: the policy graph, the environment and the training run in its metadata.
        """);

    public static int Run(ArgumentReader args, IAnsiConsole console)
    {
        string dir = args.String(Checkpoint) ?? throw new UsageException("--checkpoint is required: the --out folder of a 'gflownet train --checkpoint-every K' run.");
        string outPath = args.String(Out) ?? throw new UsageException("--out is required: the .onnx file to write.");
        if (!Directory.Exists(dir)) throw new UsageException($"--checkpoint '{dir}' is not a folder.");
        if (!File.Exists(Path.Combine(dir, "checkpoint.gfn")))
            throw new UsageException($"--checkpoint '{dir}' holds no checkpoint.gfn; train with --checkpoint-every K to write one.");
        if (!File.Exists(Path.Combine(dir, TrainSettings.FileName)))
            throw new UsageException($"--checkpoint '{dir}' holds no {TrainSettings.FileName}; pass the --out folder of a 'gflownet train' run.");
        OutputFolder.EnsureFileWritable(outPath, "--out");
        var env = TrainSettings.Load(dir).CreateEnvironment();
        var exported = PolicyExport.FromCheckpoint(dir);
        if (exported.EnvironmentDescription != env.Description)
            throw new UsageException($"--checkpoint '{dir}': the checkpoint was made on {exported.EnvironmentDescription}, but {TrainSettings.FileName} describes {env.Description}.");
        Write(console, exported, env, outPath);
        return 0;
    }

    /// <summary>Writes the sampler model and prints one line about it.</summary>
    public static void Write(IAnsiConsole console, ExportedPolicy exported, GFlowNetEnvironment env, string path)
    {
        var model = SamplerModel.Create(env, exported.Policy, exported.Training);
        model.Save(path);
        string tv = exported.Training.FinalMetrics.TryGetValue(GFlowNetMetric.ExactTotalVariation.MetadataKey!, out double v) && double.IsFinite(v)
            ? string.Create(CultureInfo.InvariantCulture, $", {GFlowNetMetric.ExactTotalVariation.Abbreviation} {v:F4}") : "";
        console.MarkupLineInterpolated($"Exported the {exported.Training.Method} policy ({exported.Policy.ParameterCount} parameters, iteration {exported.Training.Iterations}{tv}) on {env.Description} to {path}");
    }
}
