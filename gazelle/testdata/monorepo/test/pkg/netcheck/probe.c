/* Exits 0 once a TCP connection to 127.0.0.1:22 succeeds. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(22)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	for (int i = 0; i < 30; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
			return 0;
		close(s);
		sleep(1);
	}
	return 1;
}
