namespace LossLab.Models;

/// <summary>A registered architecture and what it is.</summary>
/// <param name="Name">Name used with <c>--model</c>.</param>
/// <param name="Description">One-line description.</param>
public sealed record ModelDescription(string Name, string Description);
