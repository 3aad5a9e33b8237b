using GFlowNetML.Benchmarks;

const string Usage = """
    GFlowNetML.Benchmarks training [options]   ms per training iteration against libtorch's and the machine's SGEMM floors
    GFlowNetML.Benchmarks sampler [options]    samples/s of whole-trajectory ONNX, host-driven ONNX and TorchSharp sampling
    GFlowNetML.Benchmarks <command> --help     the command's options
    """;
if (args.Length == 0 || args[0] is "--help" or "-h")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
try
{
    var options = new BenchArguments(args[0], args[1..]);
    return args[0] switch
    {
        "training" => TrainingBench.Run(options),
        "sampler" => SamplerBench.Run(options),
        _ => throw new BenchUsageException($"unknown command '{args[0]}'; allowed commands: training, sampler."),
    };
}
catch (BenchUsageException e)
{
    Console.Error.WriteLine($"GFlowNetML.Benchmarks: {e.Message}");
    return 2;
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or IOException)
{
    Console.Error.WriteLine($"GFlowNetML.Benchmarks: {e.Message.Split('\n')[0]}");
    return 1;
}
