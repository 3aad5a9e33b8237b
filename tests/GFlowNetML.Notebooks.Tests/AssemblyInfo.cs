// Each notebook runs in a dotnet-repl process of its own that trains with libtorch; on a 2-core machine two at once
// only slow each other down and make the timeouts meaningless: one notebook at a time.
[assembly: DoNotParallelize]
