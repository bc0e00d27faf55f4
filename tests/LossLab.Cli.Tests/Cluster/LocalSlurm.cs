using System.Diagnostics;
using System.Text;

namespace LossLab.Cli.Tests.Cluster;

/// <summary>
/// A one-node Slurm cluster started by <c>scripts/slurm-local.sh</c> (kept up until its standard input closes),
/// and the Slurm commands run against it. <see cref="Stop"/> ends it and reports any of its processes still alive.
/// </summary>
internal sealed class LocalSlurm : IDisposable
{
    /// <summary>Generous: two cores shared with other work; everything here takes seconds when the machine is idle.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    private const string ReadyPrefix = "export SLURM_CONF=";
    private readonly Process script;
    private readonly StringBuilder scriptLog = new();
    private readonly List<string> queueSnapshots = [];
    private bool stopped;

    private LocalSlurm(Process script, string conf)
    {
        this.script = script;
        Directory = Path.GetDirectoryName(conf)!;
        Conf = conf;
        Daemons = ReadDaemons(Directory);
    }

    /// <summary>Where the configuration, the daemons' logs and the job completion log live.</summary>
    public string Directory { get; }

    /// <summary>The cluster's <c>slurm.conf</c> (what <c>SLURM_CONF</c> points the commands at).</summary>
    public string Conf { get; }

    /// <summary>The pid of the bash running the script.</summary>
    public int ScriptProcessId => script.Id;

    /// <summary>The daemons the script started (munged, slurmctld, slurmd) and their pids.</summary>
    public IReadOnlyList<(string Name, int Pid)> Daemons { get; }

    /// <summary>What the script wrote on standard error (its own lines and, on failure, the daemons' last words).</summary>
    public string ScriptLog
    {
        get
        {
            lock (scriptLog)
            {
                return scriptLog.ToString();
            }
        }
    }

    /// <summary>Each distinct <c>squeue</c> listing seen while waiting, in order.</summary>
    public IReadOnlyList<string> QueueSnapshots => queueSnapshots;

    /// <summary>The job completion log (one line per finished job or array task, with its state).</summary>
    public string CompletedJobs => File.Exists(Path.Combine(Directory, "jobcomp.log")) ? File.ReadAllText(Path.Combine(Directory, "jobcomp.log")) : "";

    /// <summary>Starts the cluster with its files in <paramref name="directory"/> and waits until its node is idle.</summary>
    public static LocalSlurm Start(string directory)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepositoryFiles.At("scripts", "slurm-local.sh"));
        info.Environment["SLURM_LOCAL_DIR"] = directory;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start scripts/slurm-local.sh");
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.Append(e.Data).Append('\n');
                }
            }
        };
        process.BeginErrorReadLine();
        var ready = Task.Run(() =>
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                {
                    return line[ReadyPrefix.Length..];
                }
            }

            return null;
        });

        // The first start may install slurm-wlm and munge.
        if (!ready.Wait(TimeSpan.FromMinutes(10)) || ready.Result is null)
        {
            process.StandardInput.Close();
            process.WaitForExit(60_000);
            string text;
            lock (log)
            {
                text = log.ToString();
            }

            throw new InvalidOperationException($"scripts/slurm-local.sh did not bring the cluster up (exit {(process.HasExited ? process.ExitCode : "none yet")}):\n{text}");
        }

        var cluster = new LocalSlurm(process, ready.Result);
        lock (log)
        {
            cluster.scriptLog.Append(log);
        }

        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (cluster.scriptLog)
                {
                    cluster.scriptLog.Append(e.Data).Append('\n');
                }
            }
        };
        return cluster;
    }

    /// <summary>
    /// Runs <paramref name="program"/> against this cluster, with <paramref name="environment"/> added, in
    /// <paramref name="workingDirectory"/> (where sbatch starts its jobs) or the cluster's folder.
    /// </summary>
    public (int Code, string Out, string Err) Run(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SLURM_CONF"] = Conf;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(Patience))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish");
        }

        return (process.ExitCode, output, error.Result);
    }

    /// <summary>Runs a Slurm command that must succeed and returns its standard output.</summary>
    public string Slurm(params string[] args)
    {
        var (code, output, error) = Run(args[0], args[1..]);
        Assert.True(code == 0, $"{string.Join(' ', args)} exited with {code}: {error}");
        return output;
    }

    /// <summary>The queue as <c>squeue</c> shows it (array tasks one per line).</summary>
    public string Queue() => Slurm("squeue", "--array", "-o", "%.10i %.9P %.16j %.8T %.8M %R");

    /// <summary>Waits until the queue is empty (every job ended), remembering each distinct listing.</summary>
    public void WaitForEmptyQueue()
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var queue = Queue();
            if (queueSnapshots.Count == 0 || queueSnapshots[^1] != queue)
            {
                queueSnapshots.Add(queue);
            }

            if (queue.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 1)
            {
                return;
            }

            Assert.True(watch.Elapsed < Patience, $"jobs still queued after {Patience}:\n{queue}\n{ScriptLog}");
            Thread.Sleep(250);
        }
    }

    /// <summary>The state of job <paramref name="jobId"/> (e.g. <c>123_2</c> for an array task) as slurmctld knows it.</summary>
    public string JobState(string jobId)
    {
        var line = Slurm("scontrol", "show", "job", "-o", jobId);
        var field = line.Split(' ').FirstOrDefault(f => f.StartsWith("JobState=", StringComparison.Ordinal));
        Assert.True(field is not null, $"no JobState for {jobId}: {line}");
        return field["JobState=".Length..];
    }

    /// <summary>
    /// Stops the cluster (closes the script's standard input; its trap cancels the jobs and stops the daemons) and
    /// returns every process of it still alive afterwards: a started daemon, or any process whose command line or
    /// environment names the cluster's folder (slurmstepd carries it from slurmd, a job's processes in SLURM_CONF).
    /// </summary>
    public IReadOnlyList<string> Stop()
    {
        if (!stopped)
        {
            stopped = true;
            try
            {
                script.StandardInput.Close();
            }
            catch (IOException)
            {
                // The script has already ended.
            }

            if (!script.WaitForExit(Patience))
            {
                script.Kill(entireProcessTree: true);
            }

            script.WaitForExit();
        }

        return SurvivorsOf(Directory);
    }

    public void Dispose()
    {
        Stop();
        script.Dispose();
    }

    /// <summary>
    /// The processes still alive of a cluster whose files were in <paramref name="directory"/>: a daemon of
    /// <c>daemons.pid</c>, or any process whose command line or environment names the folder.
    /// </summary>
    public static List<string> SurvivorsOf(string directory)
    {
        var survivors = new List<string>();
        foreach (var (name, pid) in ReadDaemons(directory))
        {
            var comm = Read($"/proc/{pid}/comm").Trim();
            if (comm.Length > 0 && name.StartsWith(comm, StringComparison.Ordinal))
            {
                survivors.Add($"{name} (pid {pid})");
            }
        }

        foreach (var proc in System.IO.Directory.EnumerateDirectories("/proc").Where(p => int.TryParse(Path.GetFileName(p), out _)))
        {
            var cmdline = Read(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
            var environ = Read(Path.Combine(proc, "environ"));
            if (cmdline.Contains(directory, StringComparison.Ordinal) || environ.Contains(directory, StringComparison.Ordinal))
            {
                survivors.Add($"pid {Path.GetFileName(proc)}: {cmdline}");
            }
        }

        return survivors;
    }

    /// <summary>The daemons listed in <c>daemons.pid</c> of a cluster's folder.</summary>
    public static IReadOnlyList<(string Name, int Pid)> ReadDaemons(string directory) =>
        File.ReadAllLines(Path.Combine(directory, "daemons.pid"))
            .Select(line => line.Split(' '))
            .Select(parts => (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
