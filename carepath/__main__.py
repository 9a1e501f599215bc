from carepath.cli import console

console()
