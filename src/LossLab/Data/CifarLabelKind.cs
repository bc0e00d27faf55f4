namespace LossLab.Data;

/// <summary>Which CIFAR binary layout a file has and which of its labels to use.</summary>
public enum CifarLabelKind
{
    /// <summary>CIFAR-10: 1 label byte (0..9) + 3072 pixel bytes per record.</summary>
    Cifar10,

    /// <summary>CIFAR-100 with its 100 fine labels: 2 label bytes (coarse, fine) + 3072 pixel bytes per record.</summary>
    Cifar100Fine,

    /// <summary>CIFAR-100 with its 20 coarse labels (superclasses); same records as <see cref="Cifar100Fine"/>.</summary>
    Cifar100Coarse,
}
