namespace Sift.Rewards.Tests.Support;

/// <summary>The trained toy PRM, shared by the tests of a class (training takes a few seconds).</summary>
public sealed class ToyPrmFixture : IDisposable
{
    public ToyPrmFixture()
    {
        Dir = Directory.CreateTempSubdirectory("sift-rm-toy").FullName;
        ToyPrm.Create(Dir, trainSteps: 700);
    }

    public string Dir { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary>Test classes that share one trained toy PRM.</summary>
[CollectionDefinition(Name)]
public sealed class ToyPrmCollection : ICollectionFixture<ToyPrmFixture>
{
    public const string Name = "toy PRM";
}
