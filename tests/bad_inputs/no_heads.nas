# a space needs at least one head
space empty {
  let acts = {relu}
}
