space s {
  let acts = {relu, gelu}
  head projector(x: 512) {
    z = linear(x, 256) | act(act)
  }
}
