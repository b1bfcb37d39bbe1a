var builder = DistributedApplication.CreateBuilder(args);

// Shared secrets, generated on first run and kept in the AppHost's user secrets, so the cluster
// reads its own data on every later run. A node accepts only 64 hex characters as a cluster key.
var clusterKey = builder.AddParameter("cluster-key", new HexKeyParameterDefault(bytes: 32), secret: true, persist: true);
var authToken = builder.AddParameter("auth-token", secret: true);

// Three separate nodes, not replicas of one resource: peers must see each other's real addresses.
var node1 = AddNode("node1");
var node2 = AddNode("node2");
var node3 = AddNode("node3");

// Each node bootstraps from the other two through service discovery (services__nodeN__tcp__0).
node1.WithReference(node2).WithReference(node3);
node2.WithReference(node1).WithReference(node3);
node3.WithReference(node1).WithReference(node2);

builder.AddProject<Projects.PeerVault_DemoClient>("demo")
    .WithReference(node1).WaitFor(node1)
    .WithReference(node2).WaitFor(node2)
    .WithReference(node3).WaitFor(node3)
    .WithEnvironment("DEMO_TARGET", "node3");

builder.Build().Run();

IResourceBuilder<ProjectResource> AddNode(string name) =>
    builder.AddProject<Projects.PeerVault_Node>(name)
        // Run here, every endpoint gets a free port; targetPort is the port inside a container.
        .WithHttpEndpoint(targetPort: 8080, name: "http")
        .WithEndpoint(targetPort: 7000, scheme: "tcp", name: "tcp", env: "P2P_PORT")
        .WithHttpHealthCheck("/health")
        .WithDataDirectory("PEERVAULT_DATA_DIR")
        .WithEnvironment("PEERVAULT_NODE_NAME", name)
        .WithEnvironment("PEERVAULT_CLUSTER_KEY", clusterKey)
        .WithEnvironment("PEERVAULT_AUTH_TOKEN", authToken);
