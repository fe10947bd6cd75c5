# two identities in every architecture, at most one allowed
space s {
  head projector(x: 512) {
    h = identity(x)
    z = identity(h)
  }
  constraint count(identity) <= 1 per head
}
