using Sift.Data;

namespace Sift.Cli.Commands;

/// <summary>Lets a JSONL-reading command take a Parquet file: its rows become a temporary JSONL file beside the output.</summary>
internal static class ParquetInput
{
    /// <summary>
    /// Runs <paramref name="body"/> on <paramref name="input"/> itself when it is not Parquet; otherwise checks that
    /// one of <paramref name="anyOf"/> is a column (else an error listing the columns present), converts the rows and
    /// runs it on the converted file, which is removed afterwards.
    /// </summary>
    public static T AsJsonl<T>(string input, string output, IReadOnlyList<string> anyOf, Func<string, T> body)
    {
        if (!ParquetRows.IsParquet(input))
        {
            return body(input);
        }
        var columns = ParquetRows.Columns(input);
        if (!anyOf.Any(columns.Contains))
        {
            throw ParquetRows.MissingColumn(input, string.Join("\" or \"", anyOf), columns);
        }
        string temp = $"{output}.{Environment.ProcessId}.input.jsonl";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(temp))!);
            ParquetRows.ToJsonl(input, temp);
            return body(temp);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
