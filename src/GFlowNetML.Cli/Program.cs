using GFlowNetML.Cli;
using GFlowNetML.Cli.Commands;
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
              bench   time training iterations against the bare matrix-multiplication floor

            Run 'gflownet COMMAND --help' for the options of a command.
            """;

        public static int Run(string[] args, IAnsiConsole console)
        {
            if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            using var cts = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
            string command = args[0];
            var rest = args.Skip(1).ToArray();
            try
            {
                if (rest.Contains("--help") || rest.Contains("-h"))
                {
                    Console.WriteLine(command switch { "train" => TrainCommand.Help, "bench" => BenchCommand.Help, _ => Usage });
                    return 0;
                }
                return command switch
                {
                    "train" => TrainCommand.Run(new ArgumentReader(rest, new HashSet<string>()), console, cts.Token),
                    "bench" => BenchCommand.Run(new ArgumentReader(rest, new HashSet<string>()), console),
                    _ => throw new UsageException($"Unknown command '{command}'; allowed commands: train, bench."),
                };
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"gflownet {command}: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException)
            {
                Console.Error.WriteLine($"gflownet {command}: {e.Message}");
                return 2;
            }
        }
    }
}
