// typings: written with the package issue
