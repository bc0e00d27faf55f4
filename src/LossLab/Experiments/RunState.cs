namespace LossLab.Experiments;

/// <summary>Where a run of an experiment stands, read from its run directory.</summary>
public enum RunState
{
    /// <summary>Nothing usable yet: it starts from scratch.</summary>
    New,

    /// <summary>Started and checkpointed but not finished: it resumes from <c>last.ckpt</c>.</summary>
    Unfinished,

    /// <summary><c>summary.json</c> says every epoch finished: it is skipped.</summary>
    Completed,

    /// <summary>Training diverged (<c>failed.txt</c> holds why): it is skipped; delete the folder to retry.</summary>
    Failed,
}
