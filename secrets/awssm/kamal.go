package awssm

import (
	"fmt"

	"github.com/assemblekit/assemble/ensure"

	"github.com/assemblekit/assemble/secrets"
)

// batchLimit is how many ids one batch-get-secret-value takes.
const batchLimit = 20

// KamalLines renders one `kamal secrets fetch --adapter aws_secrets_manager`
// per 20 secret ids (the API's batch limit) and one extract per ref. Kamal
// returns a JSON-object secret as "<id>/<KEY>" and a plain one as "<id>",
// so each extract names its exact key.
func (p *Provider) KamalLines(refs []secrets.Ref) ([]string, error) {
	if err := secrets.ValidateRefs(refs); err != nil {
		return nil, fmt.Errorf("render %s lines: %w", Adapter, err)
	}
	var ids []string
	idx := map[string]int{}
	for i, r := range refs {
		if err := secrets.ValidateWord(fmt.Sprintf("refs[%d].item", i), r.Item); err != nil {
			return nil, fmt.Errorf("render %s lines: %w", Adapter, err)
		}
		if !secretIDRe.MatchString(r.Item) {
			return nil, fmt.Errorf("render %s lines: %w", Adapter, ensure.Invalid(fmt.Sprintf("refs[%d].item", i), r.Item, "not a Secrets Manager secret name", "use 1-512 of A-Z a-z 0-9 / _ + = . @ -"))
		}
		if _, ok := idx[r.Item]; !ok {
			idx[r.Item] = len(ids)
			ids = append(ids, r.Item)
		}
	}
	var lines []string
	for b := 0; b*batchLimit < len(ids); b++ {
		chunk := ids[b*batchLimit : min((b+1)*batchLimit, len(ids))]
		lines = append(lines, secrets.Fetch{Var: secrets.FetchVar("SECRETS", b), Adapter: Adapter, Account: p.profile, Names: chunk}.Line())
	}
	for _, r := range refs {
		key := r.Item
		if r.Field != "" {
			key += "/" + r.Field
		}
		lines = append(lines, secrets.ExtractLine(r.Name, key, secrets.FetchVar("SECRETS", idx[r.Item]/batchLimit)))
	}
	return lines, nil
}
