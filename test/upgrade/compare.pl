#!/usr/bin/perl
# Compares two descriptions written by test/upgrade/describe.sql (one JSON array
# [object, attribute, value] per line) and prints every difference as
#
#   function tasks.foo(jsonb): volatility
#       upgraded: stable
#       fresh:    volatile
#
# with a line diff for multi-line values (function bodies, view definitions),
# and the objects that exist on one side only.  Exit 0 when equal, 1 otherwise.
#
#   test/upgrade/compare.pl [--names upgraded,fresh] A.jsonl B.jsonl
use strict;
use warnings;
use JSON::PP;

my @names = ('upgraded', 'fresh');
if (@ARGV && $ARGV[0] eq '--names')
{
	shift;
	@names = split /,/, shift, 2;
}
die "usage: $0 [--names A,B] A.jsonl B.jsonl\n" unless @ARGV == 2;
my $width = length($names[0]) > length($names[1]) ? length($names[0]) : length($names[1]);

sub load
{
	my ($file) = @_;
	my %facts;
	open my $fh, '<', $file or die "$file: $!\n";
	while (my $line = <$fh>)
	{
		chomp $line;
		next if $line eq '';
		my ($object, $attribute, $value) = @{ decode_json($line) };
		$facts{$object}{$attribute} = $value;
	}
	close $fh;
	return \%facts;
}

# A plain line diff (longest common subsequence): fine for function bodies.
sub line_diff
{
	my ($x, $y) = @_;
	my @a = split /\n/, $x, -1;
	my @b = split /\n/, $y, -1;
	my @l;
	for (my $i = $#a; $i >= 0; $i--)
	{
		for (my $j = $#b; $j >= 0; $j--)
		{
			$l[$i][$j] = $a[$i] eq $b[$j] ? 1 + ($l[$i + 1][$j + 1] // 0)
			  : (($l[$i + 1][$j] // 0) >= ($l[$i][$j + 1] // 0) ? ($l[$i + 1][$j] // 0) : ($l[$i][$j + 1] // 0));
		}
	}
	my ($i, $j, @out) = (0, 0);
	while ($i < @a || $j < @b)
	{
		if ($i < @a && $j < @b && $a[$i] eq $b[$j]) { push @out, "          $a[$i]"; $i++; $j++; }
		elsif ($i < @a && ($j >= @b || ($l[$i + 1][$j] // 0) >= ($l[$i][$j + 1] // 0)))
		{
			push @out, sprintf('        - %s', $a[$i++]);
		}
		else { push @out, sprintf('        + %s', $b[$j++]); }
	}
	# only the changed lines and two lines around them
	my @keep;
	for my $k (0 .. $#out)
	{
		next unless $out[$k] =~ /^ {8}[-+]/;
		$keep[$_] = 1 for grep { $_ >= 0 && $_ <= $#out } $k - 2 .. $k + 2;
	}
	my ($last, @shown) = (-1);
	for my $k (0 .. $#out)
	{
		next unless $keep[$k];
		push @shown, '          ...' if $k > $last + 1;
		push @shown, $out[$k];
		$last = $k;
	}
	push @shown, '          ...' if $last < $#out;
	return join("\n", @shown);
}

sub one_line
{
	my ($v) = @_;
	$v =~ s/\s*\n\s*/ /g;
	return length($v) > 160 ? substr($v, 0, 157) . '...' : $v;
}

my ($a, $b) = (load($ARGV[0]), load($ARGV[1]));
my %objects = map { $_ => 1 } keys %$a, keys %$b;
my $differences = 0;
for my $object (sort keys %objects)
{
	my ($fa, $fb) = ($a->{$object}, $b->{$object});
	if (!$fa || !$fb)
	{
		my ($where, $facts) = $fa ? ($names[0], $fa) : ($names[1], $fb);
		printf "%s: only in %s\n", $object, $where;
		printf "    %s: %s\n", $_, one_line($facts->{$_}) for sort keys %$facts;
		$differences++;
		next;
	}
	my %attributes = map { $_ => 1 } keys %$fa, keys %$fb;
	for my $attribute (sort keys %attributes)
	{
		my ($va, $vb) = ($fa->{$attribute}, $fb->{$attribute});
		next if defined $va && defined $vb && $va eq $vb;
		$differences++;
		print "$object: $attribute\n";
		if (defined $va && defined $vb && ($va =~ /\n/ || $vb =~ /\n/))
		{
			printf "    (- %s, + %s)\n%s\n", $names[0], $names[1], line_diff($va, $vb);
			next;
		}
		printf "    %-*s %s\n", $width + 1, "$names[0]:", defined $va ? $va : '(no such attribute)';
		printf "    %-*s %s\n", $width + 1, "$names[1]:", defined $vb ? $vb : '(no such attribute)';
	}
}
if ($differences)
{
	printf "%d difference%s between %s (%s) and %s (%s)\n", $differences, $differences == 1 ? '' : 's',
	  $names[0], $ARGV[0], $names[1], $ARGV[1];
	exit 1;
}
printf "%s and %s are the same: %d objects\n", $names[0], $names[1], scalar(keys %objects);
exit 0;
