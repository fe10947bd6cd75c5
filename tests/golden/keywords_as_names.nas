# Keywords stay usable as names wherever a keyword could not appear.
space space for for {
  let head = {relu, gelu}
  let let = 256
  head head(in: backbone) {
    summary = linear(in, let) | act(head)
    count = identity(summary)
    params = sum(count, summary)
    of = mean(params, count) | bn
  }
}
