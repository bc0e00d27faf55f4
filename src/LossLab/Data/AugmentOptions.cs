namespace LossLab.Data;

/// <summary>CIFAR-style training augmentation: zero-pad, random crop back to the original size, random horizontal flip.</summary>
public sealed record AugmentOptions
{
    /// <summary>Zero padding on every side before the random H×W crop; default 4 (the usual CIFAR setting); 0 disables cropping.</summary>
    public int Padding { get; init; } = 4;

    /// <summary>Flip each image left-right with probability 0.5; default <see langword="true"/>.</summary>
    public bool HorizontalFlip { get; init; } = true;
}
