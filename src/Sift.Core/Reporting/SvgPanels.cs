using System.Globalization;
using System.Text;

namespace Sift.Core.Reporting;

/// <summary>Stacks several SVG charts of one size vertically into one SVG document (nested svg elements).</summary>
public static class SvgPanels
{
    /// <summary>One document holding <paramref name="panels"/> top to bottom; each panel is <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static string Stack(IReadOnlyList<string> panels, int width, int height)
    {
        var sb = new StringBuilder();
        int total = height * panels.Count;
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{total}\" viewBox=\"0 0 {width} {total}\">\n");
        for (int i = 0; i < panels.Count; i++)
        {
            string p = panels[i];
            int at = p.IndexOf("<svg ", StringComparison.Ordinal);
            if (at < 0)
            {
                throw new ArgumentException($"panel {i} is not an SVG document", nameof(panels));
            }
            // Position the panel; the xmlns of the nested element is harmless.
            sb.Append(p, 0, at).Append(CultureInfo.InvariantCulture, $"<svg x=\"0\" y=\"{i * height}\" ").Append(p, at + 5, p.Length - at - 5);
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }
}
