package builder_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/ensure"
)

func TestCronFileDefault(t *testing.T) {
	name, content := builder.CronFile(builder.Spec{Owner: "shop"})
	require.Equal(t, "assemble-prune-shop", name)
	require.Equal(t, `# Written by assemble (recipe shop): prune unused Docker data and build cache.
# Rewritten on every run; remove with the recipe's Destroy.
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
17 3 * * * root docker system prune -f >/dev/null 2>&1
`, content)
	require.Equal(t, "/etc/cron.d/assemble-prune-shop", builder.CronPath(builder.Spec{Owner: "shop"}))
}

func TestCronFileRules(t *testing.T) {
	name, content := builder.CronFile(builder.Spec{Owner: "a_b-1", Prune: builder.Prune{Schedule: "@daily", Until: "24h"}})
	require.NotContains(t, name, ".")
	require.True(t, strings.HasSuffix(content, "\n"), "cron ignores a file without a trailing newline")
	lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	job := lines[len(lines)-1]
	require.Equal(t, "@daily root docker system prune -f --filter until=24h >/dev/null 2>&1", job)
	for _, l := range lines {
		require.NotContains(t, strings.ReplaceAll(l, `\%`, ""), "%", "unescaped %% in %q", l)
	}

	name, content = builder.CronFile(builder.Spec{Prune: builder.Prune{Disabled: true}})
	require.Empty(t, name)
	require.Empty(t, content)
	name, _ = builder.CronFile(builder.Spec{})
	require.Equal(t, "assemble-prune", name)
}

func TestSpecValidate(t *testing.T) {
	bad := map[string]builder.Spec{
		"builder.owner":          {Owner: "shop.example"},
		"builder.prune.schedule": {Prune: builder.Prune{Schedule: "17 3 * *"}},
		"builder.prune.until":    {Prune: builder.Prune{Until: "1 day"}},
		"builder.install":        {Install: builder.Command("mine", "")},
	}
	for field, spec := range bad {
		err := spec.Validate()
		var ie *ensure.InvalidError
		require.ErrorAs(t, err, &ie, field)
		require.Equal(t, field, ie.Field)
		require.NotEmpty(t, ie.Fix)
	}
	for _, s := range []string{"17 3 * * *", "*/30 * * * 1-5", "0 4 * * sun", "@weekly"} {
		require.NoError(t, builder.Spec{Prune: builder.Prune{Schedule: s}}.Validate(), s)
	}
	for _, s := range []string{"61 3 * * *", "17 3 * * * *", "@reboot", "17 3 * * %", "17  3 * * *"} {
		require.Error(t, builder.Spec{Prune: builder.Prune{Schedule: s}}.Validate(), s)
	}
	require.NoError(t, builder.Spec{Prune: builder.Prune{Disabled: true, Schedule: "nonsense"}}.Validate())
}
