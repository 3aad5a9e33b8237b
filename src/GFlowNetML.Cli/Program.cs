using System.Reflection;
using System.Runtime.InteropServices;
using GFlowNetML.Cli;
using GFlowNetML.Cli.Commands;
using GFlowNetML.Cli.Compare;
using Spectre.Console;

// Tables stay readable when the output is redirected (CI logs, files).
if (!AnsiConsole.Profile.Capabilities.Interactive) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
return Cli.Run(args, AnsiConsole.Console);

namespace GFlowNetML.Cli
{
    /// <summary>The entry point of the <c>gflownet</c> command.</summary>
    internal static class Cli
    {
        private const string Usage = """
            gflownet — Generative Flow Networks for .NET

            Commands:
              train   train a sampler on a built-in environment and report its exact quality
              compare train several methods over several seeds with one trajectory budget; write a JSON report and a plot
              export  write the forward policy of a training checkpoint as an ONNX sampler model
              sample  draw objects from an ONNX sampler model (CUDA or CPU) into a CSV file
              tune    search a trainer's options (CFO, random or grid search) and write the leaderboard to tune.json
              silo    start a worker silo of a cluster (Orleans, Redis) that trains the runs of compare/tune --cluster

            Run 'gflownet COMMAND --help' for the options of a command; 'gflownet --version' prints the version.
            Errors are one line (exit code 2: usage or bad input, 1: run-time failure, 130: interrupted); add --verbose
            (or set GFLOWNETML_VERBOSE=1) for a stack trace.
            """;

        /// <summary>The tool's version (the packages' one version, without the source-revision suffix).</summary>
        private static string Version
            => (typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "").Split('+')[0];

        public static int Run(string[] args, IAnsiConsole console)
        {
            if (args.Length == 0)
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }
            if (args[0] is "--help" or "-h" or "help")
            {
                Console.WriteLine(Usage);
                return 0;
            }
            if (args[0] is "--version")
            {
                Console.WriteLine($"gflownet {Version}");
                return 0;
            }
            string command = args[0];
            bool verbose = FailurePolicy.Verbose(args.Contains("--verbose"));
            var rest = args.Skip(1).Where(a => a != "--verbose").ToArray();
            if (command is not ("train" or "compare" or "export" or "sample" or "tune" or "silo"))
            {
                Console.Error.WriteLine($"gflownet: unknown command '{command}'; allowed commands: train, compare, export, sample, tune, silo.");
                return 2;
            }
            if (rest.Contains("--help") || rest.Contains("-h"))
            {
                Console.WriteLine(command switch
                {
                    "train" => TrainCommand.Help, "export" => ExportCommand.Help, "sample" => SampleCommand.Help,
                    "tune" => TuneCommand.Help, "silo" => SiloCommand.Help, _ => CompareCommand.Help,
                });
                return 0;
            }
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            // SIGTERM (a service manager, `kill`, a cluster stopping the job) and SIGHUP (the terminal went away) stop a
            // command like Ctrl+C: at the next iteration or batch, with the checkpoint and metrics so far written.
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
            using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; cts.Cancel(); });
            try
            {
                return command switch
                {
                    "train" => TrainCommand.Run(TrainOptions.Table.Read(rest), console, cts.Token),
                    "export" => ExportCommand.Run(ExportCommand.Table.Read(rest), console),
                    "sample" => SampleCommand.Run(SampleCommand.Read(rest), console, cts.Token),
                    "tune" => TuneCommand.Run(new ArgumentReader(command, rest, TuneCommand.OptionNames), console, cts.Token),
                    "silo" => SiloCommand.Run(SiloCommand.Table.Read(rest), console, cts.Token),
                    _ => CompareCommand.Run(CompareSettings.Table.Read(rest), console, cts.Token),
                };
            }
            catch (Exception e)
            {
                return FailurePolicy.Report(command, e, verbose);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
    }
}
