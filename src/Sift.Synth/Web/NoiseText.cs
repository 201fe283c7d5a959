using System.Text;
using Sift.Core.Random;

namespace Sift.Synth.Web;

/// <summary>
/// The noise a crawled math page carries, one segment at a time (each segment is whole lines ending in
/// "\n"): site chrome, identifiers and URLs, tables of random numbers, and off-topic prose.
/// </summary>
internal static class NoiseText
{
    private static readonly string[] Sites = ["mathforum", "homeworkhelp", "quickmath", "studyhub", "mathpages", "learnit", "tutorzone", "brainyq"];
    private static readonly string[] Tlds = ["com", "org", "net", "io", "edu"];
    private static readonly string[] Sections = ["Forums", "Math Help", "Homework", "Algebra", "Arithmetic", "Word Problems", "Grade 5", "Questions", "Blog", "Resources"];
    private static readonly string[] Users = ["mathfan", "jdoe", "teacher_k", "learner", "quizmaster", "anon", "guest", "helper", "tutor", "student"];
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private static readonly string[] Tags = ["algebra", "word problems", "fractions", "percent", "homework", "grade 4", "grade 6", "ratios", "money", "math help"];

    private static readonly Func<Rng, string>[] ChromeLines =
    [
        r => $"Home > {Pick(r, Sections)} > {Pick(r, Sections)}",
        r => "Log in | Register | Help | Search",
        r => $"Home | {Pick(r, Sections)} | {Pick(r, Sections)} | Contact | About",
        r => $"Posted by {Pick(r, Users)}{r.NextInt(1000)} on {Pick(r, Months)} {1 + r.NextInt(28)}, {2008 + r.NextInt(16)}",
        r => "Share this: Facebook | Twitter | Email | Print",
        r => "This site uses cookies. By continuing to browse the site you agree to our use of cookies.",
        r => $"Copyright (c) {2005 + r.NextInt(10)}-{2016 + r.NextInt(8)} {Cap(Pick(r, Sites))}. All rights reserved.",
        r => "Related posts:",
        r => "Previous | Next",
        r => $"Page {1 + r.NextInt(5)} of {6 + r.NextInt(20)}",
        r => $"Reply #{1 + r.NextInt(40)} on: {Pick(r, Months)} {1 + r.NextInt(28)}, {2008 + r.NextInt(16)}",
        r => "Quote | Report | Reply",
        r => $"Tags: {Pick(r, Tags)}, {Pick(r, Tags)}, {Pick(r, Tags)}",
        r => "Subscribe to our newsletter for more math tips!",
        r => "Advertisement",
        r => $"{1 + r.NextInt(900)} views | {r.NextInt(60)} replies",
        r => "Was this answer helpful? Yes | No",
        r => "Terms of Use | Privacy Policy | Sitemap",
        r => $"Welcome, Guest. Please login or register.",
        r => $"Members online: {r.NextInt(400)} | Guests: {r.NextInt(3000)}",
        r => "Click here to see the answer",
        r => "Back to top",
        r => $"Last edited by {Pick(r, Users)}{r.NextInt(1000)}; {Pick(r, Months)} {1 + r.NextInt(28)}, {2008 + r.NextInt(16)} at {1 + r.NextInt(12)}:{r.NextInt(60):D2} PM.",
        r => "Leave a comment",
        r => "Sign up for free to unlock step-by-step solutions",
    ];

    /// <summary>1–3 lines of site chrome.</summary>
    public static string Boilerplate(Rng r)
    {
        var sb = new StringBuilder();
        int n = 1 + r.NextInt(3);
        for (int i = 0; i < n; i++)
        {
            sb.Append(ChromeLines[r.NextInt(ChromeLines.Length)](r)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>A page header: site title and navigation.</summary>
    public static string Header(Rng r) =>
        $"{Cap(Pick(r, Sites))} - {Pick(r, Sections)}\n" + ChromeLines[r.NextInt(3)](r) + "\n";

    /// <summary>1–3 lines of identifiers: URLs, hashes, session ids, DOIs.</summary>
    public static string Ids(Rng r)
    {
        var sb = new StringBuilder();
        int n = 1 + r.NextInt(3);
        for (int i = 0; i < n; i++)
        {
            string line = r.NextInt(7) switch
            {
                0 => $"https://www.{Pick(r, Sites)}.{Pick(r, Tlds)}/{Pick(r, Sections).ToLowerInvariant().Replace(' ', '-')}/t/{r.NextInt(1_000_000)}?ref={Hex(r, 6)}&sid={Hex(r, 16)}",
                1 => $"Post ID: {Hex(r, 8)}",
                2 => $"sha1: {Hex(r, 40)}",
                3 => $"doi:10.{1000 + r.NextInt(9000)}/{Alnum(r, 8)}",
                4 => $"Session: {Alnum(r, 24)}",
                5 => $"ISBN 978-{r.NextInt(10)}-{100 + r.NextInt(900)}-{10000 + r.NextInt(90000)}-{r.NextInt(10)}",
                _ => $"Permalink: http://{Pick(r, Sites)}.{Pick(r, Tlds)}/p/{Alnum(r, 10)}",
            };
            sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>A table of random numbers (pipe table or whitespace grid), 3–8 rows.</summary>
    public static string Table(Rng r)
    {
        var sb = new StringBuilder();
        int rows = 3 + r.NextInt(6), cols = 3 + r.NextInt(4);
        bool pipes = r.NextInt(2) == 0;
        if (pipes)
        {
            string[] heads = ["Year", "Value", "Count", "Total", "Change", "Rank", "Score", "Index"];
            sb.Append('|');
            for (int c = 0; c < cols; c++)
            {
                sb.Append(' ').Append(heads[r.NextInt(heads.Length)]).Append(" |");
            }
            sb.Append('\n');
        }
        for (int i = 0; i < rows; i++)
        {
            if (pipes)
            {
                sb.Append('|');
            }
            for (int c = 0; c < cols; c++)
            {
                string cell = r.NextInt(4) switch
                {
                    0 => (1990 + r.NextInt(35)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    1 => $"{r.NextInt(100)}.{r.NextInt(10)}",
                    2 => (-50 + r.NextInt(101)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => r.NextInt(10_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                sb.Append(pipes ? " " : c == 0 ? "" : "  ").Append(cell).Append(pipes ? " |" : "");
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static readonly string[] ProsePlaces = ["Lisbon", "the mountains", "the coast", "our town", "Kyoto", "the lake", "Prague", "the old market", "the valley", "the island"];
    private static readonly string[] ProseAdj = ["quiet", "busy", "lovely", "crowded", "peaceful", "famous", "tiny", "charming", "noisy", "sunny", "rainy", "cozy"];
    private static readonly string[] ProseNoun = ["cafe", "hotel", "park", "museum", "restaurant", "garden", "bakery", "bridge", "street", "beach", "festival", "bookshop"];
    private static readonly string[] Dishes = ["soup", "pasta", "curry", "bread", "salad", "stew", "pie", "risotto"];
    private static readonly string[] Spices = ["garlic", "basil", "pepper", "ginger", "thyme", "cumin", "lemon", "paprika"];
    private static readonly string[] Teams = ["the Rovers", "the Hawks", "City", "the Tigers", "United", "the Lions"];
    private static readonly string[] Gadgets = ["phone", "laptop", "camera", "blender", "vacuum", "headset", "watch", "speaker"];
    private static readonly string[] Praise = ["works great", "feels cheap", "is worth the price", "stopped working after a week", "exceeded my expectations", "is just okay"];

    private static readonly Func<Rng, string>[] ProseSentences =
    [
        r => $"We spent a {Pick(r, ProseAdj)} weekend in {Pick(r, ProsePlaces)} and loved the {Pick(r, ProseNoun)} near the station.",
        r => $"The {Pick(r, ProseNoun)} was {Pick(r, ProseAdj)} in the morning but {Pick(r, ProseAdj)} by the evening.",
        r => $"If you visit {Pick(r, ProsePlaces)}, try the {Pick(r, Dishes)} at the {Pick(r, ProseAdj)} {Pick(r, ProseNoun)} on the corner.",
        r => $"For this {Pick(r, Dishes)}, fry the onions slowly and add the {Pick(r, Spices)} at the very end.",
        r => $"My grandmother always made {Pick(r, Dishes)} with fresh {Pick(r, Spices)} from her garden.",
        r => $"Let the {Pick(r, Dishes)} rest before serving so the flavors can settle.",
        r => $"{Cap(Pick(r, Teams))} played a {Pick(r, ProseAdj)} match last night and the fans stayed until the end.",
        r => $"The coach of {Pick(r, Teams)} said the team needs to defend better in the second half.",
        r => $"After the game the players thanked the {Pick(r, ProseAdj)} crowd for their support.",
        r => $"I bought this {Pick(r, Gadgets)} last month and it {Pick(r, Praise)}.",
        r => $"The battery of the {Pick(r, Gadgets)} {Pick(r, Praise)}, but the case scratches easily.",
        r => $"Customer service replied quickly and replaced my {Pick(r, Gadgets)} without any questions.",
        r => $"The weather turned {Pick(r, ProseAdj)}, so we stayed inside and read by the window.",
        r => $"Our neighbors planted tomatoes and {Pick(r, Spices)} along the fence this spring.",
        r => $"The {Pick(r, ProseAdj)} {Pick(r, ProseNoun)} downtown is closed for repairs until next season.",
        r => $"Everyone agreed that the {Pick(r, ProseNoun)} in {Pick(r, ProsePlaces)} was the highlight of the trip.",
    ];

    /// <summary>A paragraph of 2–5 off-topic sentences.</summary>
    public static string Prose(Rng r)
    {
        var sb = new StringBuilder();
        int n = 2 + r.NextInt(4);
        for (int i = 0; i < n; i++)
        {
            sb.Append(i == 0 ? "" : " ").Append(ProseSentences[r.NextInt(ProseSentences.Length)](r));
        }
        return sb.Append('\n').ToString();
    }

    private static string Pick(Rng r, string[] xs) => xs[r.NextInt(xs.Length)];

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private static string Hex(Rng r, int n)
    {
        const string digits = "0123456789abcdef";
        var c = new char[n];
        for (int i = 0; i < n; i++)
        {
            c[i] = digits[r.NextInt(16)];
        }
        return new string(c);
    }

    private static string Alnum(Rng r, int n)
    {
        const string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var c = new char[n];
        for (int i = 0; i < n; i++)
        {
            c[i] = digits[r.NextInt(digits.Length)];
        }
        return new string(c);
    }
}
