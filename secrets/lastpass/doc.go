// Package lastpass stores secrets in LastPass through the `lpass` CLI, and
// renders `.kamal/secrets` lines for Kamal's `lastpass` adapter.
//
// Every Kamal secret is the password of one entry whose full name is
// "Folder/NAME" (folder "Kamal" unless WithFolder says otherwise); Kamal
// returns it under that full name. LastPass names aren't unique, so Put
// looks an entry up before adding one and edits it by id. Values reach
// lpass on stdin only.
package lastpass
