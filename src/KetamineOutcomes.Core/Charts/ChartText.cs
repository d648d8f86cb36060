namespace KetamineOutcomes.Core.Charts;

/// <summary>
/// How wide a line of chart text is drawn, without a renderer: the advance widths of DejaVu Sans (regular and bold, in
/// thousandths of an em), the widest of the sans-serif fonts the chart's font list resolves to (it is what Debian and
/// most Linux systems substitute; Segoe UI, Roboto and San Francisco are narrower), so an estimate is an upper bound and
/// a layout that fits by it fits on screen. A character outside the table counts as a full em.
/// </summary>
public static class ChartText
{
    /// <summary>Regular font size of chart labels (px).</summary>
    public const double LabelSize = 11;

    /// <summary>A line box above and below the baseline (× font size): DejaVu Sans's ascender and descender, as browsers measure text.</summary>
    public const double Ascent = 0.928, Descent = 0.236;

    // U+0020 … U+007E.
    private static readonly short[] Regular =
    [
        318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
        636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
        575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
        611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
        278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
    ];

    private static readonly short[] Bold =
    [
        348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696,
        696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683,
        683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771,
        724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665,
        343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
    ];

    /// <summary>Width in px of <paramref name="text"/> at <paramref name="size"/> px.</summary>
    public static double Width(string text, double size = LabelSize, bool bold = false)
    {
        var table = bold ? Bold : Regular;
        var units = 0;
        foreach (var c in text)
        {
            units += c switch
            {
                >= ' ' and <= '~' => table[c - ' '],
                '≤' or '≥' => 838,
                '—' or '…' => 1000,
                '–' => 500,
                '▲' => 769,
                '●' => 873,
                '¦' => bold ? 365 : 337,
                _ => 1000,
            };
        }
        return units * size / 1000.0;
    }

    /// <summary>
    /// Splits <paramref name="text"/> at spaces into lines no wider than <paramref name="width"/>, or null when a
    /// single word is wider, or more than <paramref name="maxLines"/> lines would be needed.
    /// </summary>
    public static IReadOnlyList<string>? Wrap(string text, double width, double size, bool bold, int maxLines)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (Width(candidate, size, bold) <= width) { line = candidate; continue; }
            if (line.Length == 0 || Width(word, size, bold) > width) return null;
            lines.Add(line);
            line = word;
        }
        if (line.Length > 0) lines.Add(line);
        return lines.Count <= maxLines ? lines : null;
    }
}
