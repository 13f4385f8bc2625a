package main

import "github.com/spf13/cobra"

// rootExample is the example of `jpkisim --help`.
const rootExample = `  jpkisim run --tags '@RETRY-06'
  jpkisim apdu 00A4040C0AD392F000260100000001 00A4020C020018 00200080
  jpkisim rules list RETRY-06
  jpkisim version`

// commandExamples are the examples of the commands defined without one, by
// command path.
var commandExamples = map[string]string{
	"jpkisim run": `  jpkisim run --tags 'not @destructive and @RETRY-06'
  jpkisim run features/retry.feature:21
  jpkisim run --features my-features/ --format progress,junit:report.xml
  jpkisim run --dry-run --target sim,pcsc`,
	"jpkisim apdu": `  jpkisim apdu 00A4040C0AD392F000260100000001 00A4020C020018 00200080
  jpkisim apdu --target pcsc 00A4040C0AD392F000260100000001 00A4020C020018 '00200080{len:auth-pin}{auth-pin}'
  jpkisim apdu --profile t0 00A4040C0AD392F000260100000001 00B0000004
  jpkisim apdu --state card.json 00A4040C0AD392F000260100000001 00A4020C020018 '00200080{len:auth-pin}{auth-pin}'`,
	"jpkisim serve": `  jpkisim serve --slots 2 -v
  jpkisim serve --state card.json --pki 127.0.0.1:35990
  jpkisim serve --transcript sessions/`,
	"jpkisim record": `  jpkisim record --out s.json 00A4040C0AD392F000260100000001 00A4020C020018 '00200080{len:auth-pin}{auth-pin}'
  jpkisim record --target pcsc --out session.json 00A4040C0AD392F000260100000001 00A4020C02000A 00B0000000
  jpkisim record --suite --tags @RETRY-06 --out sessions/
  jpkisim record --target pcsc --suite --tags '~@destructive' --out transcripts/
  jpkisim record --import pcscd.log --out session.json`,
	"jpkisim certify": `  jpkisim certify --profile pkcs11-middleware --report verdicts.html \
    --client 'pkcs11-tool --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --login --pin env:JPKISIM_CLIENT_PIN --list-objects'
  jpkisim certify --profile relying-party --client ./sign-with-card.sh --json verdicts.json
  jpkisim certify --profile kiosk --pin none --client 'ssh-keygen -D opensc-pkcs11.so'`,
	"jpkisim report": `  jpkisim report merge --out merged/ shard-*.json`,
	"jpkisim report merge": `  for k in 1 2 3 4; do jpkisim run --shard $k/4 --format progress,evidence:shard-$k.json & done; wait
  jpkisim report merge --out merged/ shard-1.json shard-2.json shard-3.json shard-4.json`,
	"jpkisim commands": `  jpkisim commands --json | jq -r '.commands[].path'`,
	"jpkisim replay": `  jpkisim replay fixtures/transcripts/pkcs15-tool-dump.json
  jpkisim replay --profile t0 fixtures/transcripts/t0-opensc-tool-send.json
  jpkisim replay session.json --target 'pcsc:Virtual PCD 00 00'
  jpkisim replay pcscd.log`,
	"jpkisim props": `  jpkisim props --sequences 200 --seed 42
  jpkisim props --target pcsc
  jpkisim props --seed 42 --sequences 200000 --shard 1/4 --json props-1.json`,
	"jpkisim diff": `  jpkisim diff --a sim --b pcsc --count 100
  jpkisim diff --a sim --b sim --profile t0
  jpkisim diff --a sim --b pcsc --seed 7 --count 4000 --shard 2/4 --json diff-2.json`,
	"jpkisim card": `  jpkisim card new --state card.json
  jpkisim card show --state card.json`,
	"jpkisim card new": `  jpkisim card new --state card.json
  JPKISIM_AUTH_PIN=4321 jpkisim card new --state card.json --profile under-15`,
	"jpkisim card show": `  jpkisim card show --state card.json
  jpkisim card show --state card.json --json`,
	"jpkisim card event": `  jpkisim card event --state card.json loss
  jpkisim card event --state card.json address-change --address '東京都稲城市東長沼2111' --on 2027-04-01`,
	"jpkisim card reset-pin": `  jpkisim card reset-pin --state card.json --pin auth
  jpkisim card reset-pin --state card.json --pin signing --at kiosk --on '2027-04-01 10:00'`,
	"jpkisim card renew": `  jpkisim card renew --state card.json
  jpkisim card renew --state card.json --on 2030-04-01 --json`,
	"jpkisim card issue-signing": `  jpkisim card issue-signing --state card.json
  jpkisim card issue-signing --state card.json --on 2027-04-01`,
	"jpkisim completion": `  source <(jpkisim completion bash)
  jpkisim completion zsh > "${fpath[1]}/_jpkisim"`,
	"jpkisim completion bash": `  source <(jpkisim completion bash)
  jpkisim completion bash > /etc/bash_completion.d/jpkisim`,
	"jpkisim completion zsh":        `  jpkisim completion zsh > "${fpath[1]}/_jpkisim"`,
	"jpkisim completion fish":       `  jpkisim completion fish > ~/.config/fish/completions/jpkisim.fish`,
	"jpkisim completion powershell": `  jpkisim completion powershell | Out-String | Invoke-Expression`,
	"jpkisim help": `  jpkisim help run
  jpkisim help rules list`,
}

// setExamples gives every command under c without an Example the one of
// commandExamples.
func setExamples(c *cobra.Command) {
	if c.Example == "" {
		c.Example = commandExamples[c.CommandPath()]
	}
	for _, sub := range c.Commands() {
		setExamples(sub)
	}
}
