space s {
  head projector(x: 512) {
    z = choose(linear(x, 256), identity(x) | linear(256))
  }
  constraint count(identity) <= 1 in projecter
}
