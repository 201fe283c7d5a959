namespace Sift.Synth.Problems;

/// <summary>A countable thing: "apple" / "apples".</summary>
internal sealed record Thing(string One, string Many);

/// <summary>Word lists the problem templates draw from (shared by training and evaluation).</summary>
internal static class Lexicon
{
    private static Thing[] Things(params string[] pairs) => pairs.Select(p => p.Split('/')).Select(a => new Thing(a[0], a[1])).ToArray();

    public static readonly Thing[] Countables = Things(
        "apple/apples", "marble/marbles", "sticker/stickers", "pencil/pencils", "cookie/cookies", "book/books",
        "stamp/stamps", "shell/shells", "card/cards", "toy car/toy cars", "egg/eggs", "balloon/balloons",
        "crayon/crayons", "flower/flowers", "cupcake/cupcakes", "bead/beads", "rock/rocks", "block/blocks",
        "orange/oranges", "peach/peaches", "candy/candies", "muffin/muffins", "ribbon/ribbons", "button/buttons",
        "feather/feathers", "comic/comics", "puzzle/puzzles", "plum/plums", "carrot/carrots", "pebble/pebbles");

    public static readonly Thing[] Containers = Things(
        "bag/bags", "box/boxes", "pack/packs", "jar/jars", "basket/baskets", "tray/trays", "crate/crates", "bucket/buckets");

    public static readonly Thing[] Products = Things(
        "notebook/notebooks", "pen/pens", "ticket/tickets", "sandwich/sandwiches", "shirt/shirts", "mug/mugs",
        "poster/posters", "lamp/lamps", "towel/towels", "plant/plants", "candle/candles", "kite/kites",
        "scarf/scarves", "hat/hats", "backpack/backpacks", "puzzle book/puzzle books");

    public static readonly Thing[] Machines = Things(
        "machine/machines", "printer/printers", "baker/bakers", "robot/robots", "factory line/factory lines");

    public static readonly Thing[] MachineOutputs = Things(
        "toy/toys", "bottle/bottles", "loaf/loaves", "box/boxes", "page/pages", "bolt/bolts", "cup/cups", "brick/bricks");

    public static readonly string[] Vehicles = ["car", "bus", "train", "truck", "van", "bike"];

    public static readonly string[] Jobs = ["tutor", "cashier", "gardener", "babysitter", "painter", "lifeguard", "dog walker", "waiter"];

    public static readonly string[] Colors = ["red", "blue", "green", "yellow", "white", "purple"];

    public static readonly string[] Groups = ["class", "club", "team", "choir", "school bus", "camp group"];

    public static readonly string[] Liquids = ["water", "juice", "milk", "paint", "oil"];

    public static readonly string[] Tanks = ["tank", "pool", "barrel", "tub"];

    public static readonly string[] Animals2 = ["chickens", "ducks", "geese", "turkeys"];

    public static readonly string[] Animals4 = ["cows", "goats", "sheep", "pigs", "horses"];

    public static readonly string[] Ingredients = ["cups of flour", "eggs", "cups of sugar", "spoons of butter", "cups of milk"];

    public static readonly string[] Baked = ["cookies", "muffins", "pancakes", "biscuits", "cupcakes"];

    public static readonly string[] Subjects = ["math", "science", "history", "spelling", "music"];

    public static readonly string[] Tasks = ["homework sheet", "chore", "practice song", "puzzle", "lesson", "drawing"];
}
