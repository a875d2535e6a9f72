//! fake-github: an honest, stateful stand-in for GitHub's GraphQL API.
