package dns

import "strings"

// OwnerCommentPrefix starts the record comment with which every DNS
// provider marks a record as a recipe's: "assemble:recipe=<owner>".
const OwnerCommentPrefix = "assemble:recipe="

// OwnerComment is the record comment that marks a record as owned by the
// recipe named owner.
func OwnerComment(owner string) string { return OwnerCommentPrefix + owner }

// CommentOwner returns the recipe a record comment marks it as owned by, and
// whether it carries such a mark at all.
func CommentOwner(comment string) (string, bool) {
	return strings.CutPrefix(strings.TrimSpace(comment), OwnerCommentPrefix)
}
